"""Fraud signals in chat messages and listing texts: the patterns that precede most
second-hand fraud.

:func:`scan` finds five kinds of :class:`Signal`, each a :class:`Finding` whose span points into
the ORIGINAL text, so the chat can mark it and :func:`mask_accounts` can hide it. The message is
always delivered; the receiver sees a warning card per signal (:data:`WARNING_MESSAGES`, msgids
to translate) and account digits masked (all but the last four; separators kept) until they
tap to reveal. Pure Python; every pattern is compiled once, and their alternatives start with a
literal character so the regex engine skips to the few places where one can match (run
``python -m dongne.trust.fraud`` for a micro-benchmark).

The package: signals (what is found), text (normalisation), links, numbers (phones,
accounts), phrases (off-platform, prepayment) and scan (putting them together).

Text is normalised first, with a map back to the original offsets: NFKC (full-width digits and
Latin, circled digits, NFD Hangul from some keyboards), invisible characters removed (zero-width
spaces and joiners, bidi marks, variation selectors, Hangul fillers, the keycap of 0️⃣), ASCII
lower case. Compatibility jamo are kept as typed (ㅡ is a dash, ㅋㅋ a laugh).

Decisions on the ambiguous cases (tests/trust/fraud_corpus.tsv is labelled by them):

* PHONE: Korean numbers: mobile 010/011/016–019 (+7 or 8 digits, so old 010-XXX-XXXX too),
  Seoul 02, area codes 031–064 (+7–8), 070, 050X safe numbers; also after +82 or 82. Between
  the digits: nothing, or up to three of space, hyphen, dot, ㅡ, dash, bracket, slash, ~, _, ·.
  Korean spelled digits (공/영/빵 0, 일 1, 이 2, 삼 3, 사 4, 오 5, 육/륙 6, 칠 7, 팔 8, 구 9) and a
  Latin o that is not part of a word count as digits, but only in a run that starts like a
  phone (0, 공, 영, 빵, o, +82, 82) and is a whole valid number of 9–12 digits, so ordinary
  words (오후, 이사, 일요일, 공구) never make one. One or two digit-syllables that belong to the
  next word are left out (011-123-4567이에요, 02-538-2290 사무실). A number that goes on in a
  hyphen chain (010-123456-01-011, an IBK account) is not a phone. 1588/1577/1600-style
  numbers are NOT flagged: they are public business lines (service centres, couriers), not a
  way to take the chat elsewhere. Known misses: Chinese numerals (010-33九1-…), words between
  the parts (공일공에 …).
* ACCOUNT: 10–14 digits (joined by hyphens, dots or single spaces) near a bank name (KB,
  카뱅, 신한, 우체국 …; 우리/하나/기업 only right before the digits or with 은행), or near
  계좌/입금/송금/이체/예금주/통장/보내; with no context at all, only when hyphenated like an
  account (three or more parts, not the 3-2-5 of a business registration number). Never:
  phone numbers (unless a bank name makes it a phone-number account: then both), prices and
  amounts (120000000원), dates, digits glued to Latin letters (model and serial numbers; bank
  codes such as NH302-… excepted), ISBNs, and numbers named as 운송장/송장/등기/주문/예약/
  접수/일련/시리얼/IMEI/바코드/사업자 … numbers — a tracking number is not an account, even
  after 택배 (and 우체국 next to 택배/등기/보냈 is the post office). Spelled-out account digits
  are not detected.
* OFF_PLATFORM: moving the conversation elsewhere: KakaoTalk with an intent (카톡 아이디, 카톡
  주세요, 카톡으로 …, 카톡 있으세요?, 카톡: id), 오픈채팅/오픈톡, Telegram (any mention of
  텔레그램; 텔레 only with an intent, so never 텔레비전), LINE (라인 아이디/라인으로 연락; never
  온라인, 라인업, 가이드라인, A라인, 2호선 라인), WeChat, WhatsApp, Discord, Instagram DM, asking
  for or offering a phone number (번호 알려주세요, 연락처 남겨주세요, 번호 남겨요, 문자 주세요,
  통화 가능하세요?), e-mail addresses (a contact outside the chat; not also an EXTERNAL_LINK),
  and messenger links. A mere mention of KakaoTalk is NOT flagged (카톡 알림이 안 와서 늦게
  봤어요, 카톡 선물하기, 카카오페이, 카카오맵), nor a refusal (번호 교환은 어려워요).
* PREPAYMENT: 선입금/선결제/선금, 입금·송금·결제·돈 먼저 (or 부터, 미리), 입금 확인 후/입금되면/
  입금해주시면 + 발송·택배·보내, 계좌로 보내주시면 + 택배, 택배거래만 + 입금/계좌,
  예약금·계약금·보증금 + 보내/입금/먼저, 택배비·배송비·반값 먼저, 가상계좌, and fake
  escrow: 안전결제/안전거래 링크·사이트, 네이버페이/번개장터/중고나라 … 안전결제, 결제 링크.
  A buyer offering to prepay is flagged too (the card then warns the seller, harmlessly).
  A negation just after the phrase cancels it (선입금은 안 받아요, 선입금 요구하면 사기예요,
  선입금 없이), but not "… 사기 아니에요" nor "…해주시면 안 될까요?". Paying in the app
  (당근페이), cash or a transfer at the meeting, and the buyer paying the shipping fee are fine.
* EXTERNAL_LINK: http(s) URLs, www., IPv4 addresses with a port or path, bare domains with a
  common TLD (naver.me, bit.ly, han.gl, me2.do, url.kr, youtu.be, forms.gle …), also with the dot
  written "(.)", "[.]" or "(dot)". Hosts in ``own_hosts`` (host or host:port, given bare or as a
  URL) and their subdomains are fine; an entry with a port matches that port only.
  Messenger links (open.kakao.com, t.me, line.me, wa.me) are EXTERNAL_LINK and OFF_PLATFORM.
  Not links: 3.5kg, v1.2, Ver.2, iOS 17.2, decimals, file names (사진.jpg, photo.pdf). Known
  miss: a bare domain with an uncommon TLD and no scheme or www.
"""

from dongne.trust.fraud.scan import mask_accounts, scan
from dongne.trust.fraud.signals import WARNING_MESSAGES, Finding, Scan, Signal

__all__ = ["WARNING_MESSAGES", "Finding", "Scan", "Signal", "mask_accounts", "scan"]
