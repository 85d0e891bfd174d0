"""Phrases: moving the conversation elsewhere, and payment before meeting."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dongne.trust.fraud.signals import Signal
from dongne.trust.fraud.text import _any, _each, _matches

# --- phrases --------------------------------------------------------------------------------

_ID = r"(?:아이디|아디|아뒤|id|계정|친추|친구\s?추가|플친|검색|추가)"
_TALK = r"(?:연락|대화|얘기|애기|이야기|문의|톡|말씀|대답|답장|사진|상세|자세)"
_ASK = (
    r"(?:주세요|줘|주셈|주실|주시|ㄱ|하자|해요|할래|하실래|하세요|하시나|하시면|하나요|가능|되세요|되시|돼요"
    r"|되나|있으세요|있으신|있나요|있어요\?|보내\s?(?:주|줘|드))"
)
_GIVE = r"(?:알려|남겨|주세요|줘|주시|주실|드릴|드려|교환|적어|보내|부탁)"
_OFF_PLATFORM = re.compile(
    _any(
        _each(
            (
                r"카\s?카\s?오\s?톡",
                r"카\s?톡",
                r"까\s?톡",
                "카카오",
                r"kakao\s?talk",
                "kakao",
                "katalk",
                r"k(?<![a-z]k)\s?톡",
                "ㅋㅌ",
            ),
            rf"\s?(?:{_ID}|으?로(?!\s?(?:받|왔|온|봤|본|선물))|에서\s?{_TALK}|{_ASK}"
            r"|[:：]\s?[a-z][a-z0-9_.]{2,}|\s[a-z][a-z0-9_.]*[0-9_][a-z0-9_.]*)",
        ),
        _each(("오",), r"\s?픈\s?(?:채\s?팅|톡|카톡|챗|카카오)"),
        "오카방",
        r"open\s?chat",
        _each(("텔레그램", "텔레그렘", "텔레그람", "telegram", "텔그"), ""),
        _each(("텔레", "tele"), rf"\s?(?:{_ID}|으?로|{_ASK}|연락)"),
        _each(
            ("라",), rf"(?<![가-힣a-z0-9]라)인\s?(?:{_ID}|메신저|(?:으로|에서|로)\s?{_TALK}|{_ASK})"
        ),
        _each(("line",), rf"(?<![a-z]line)\s?(?:{_ID}|messenger|메신저|으로|로)"),
        _each(
            (
                "위챗",
                "위쳇",
                "wechat",
                "웨이신",
                "왓츠앱",
                "왓츠업",
                "whatsapp",
                "페메",
                "스냅챗",
                "snapchat",
            ),
            "",
        ),
        _each(
            ("디스코드", "discord", "인스타그램", "인스타", "instagram", "insta"),
            rf"\s?(?:{_ID}|(?:으로|로)\s?(?:{_TALK}|{_ASK})|디엠|dm)",
        ),
        _each(("dm", "디엠"), rf"(?<![a-z]dm)\s?(?:{_GIVE}|{_ASK})"),
        _each(
            ("전화", "폰", "핸드폰", "휴대폰", "핸폰"),
            rf"\s?번호\s?(?:좀\s?)?(?:{_GIVE}|는|가|요|여기)",
        ),
        _each(("연락처", "번호"), rf"\s?(?:좀\s?)?{_GIVE}"),
        _each(
            ("문자", "전화", "통화"),
            r"\s?(?:로\s?)?(?:주세요|주시면|줘|주셈|남겨|연락|부탁|가능하세요|가능하신|가능할까|되세요"
            r"|드릴게|드려도|주실|하실래|할래요|하실\s?수)",
        ),
    )
)
_NUMBER_OF_SOMETHING = re.compile(
    r"(?:송장|주문|계좌|모델|예약|접수|택배|등기|일련|회원|사업자|카드)\s?\Z"
)

_MONEY = ("입금", "송금", "이체", "결제", "돈", "대금", "금액", r"물건\s?값", "비용")
_TRANSFER = ("입금", "송금", "이체")
_SHIP = r"(?:발송|배송|택배|보내|부쳐|부칠|출고|접수|보낼|쏴|넘겨)"
_PREPAYMENT = re.compile(
    _any(
        _each(("선",), r"\s?(?:입금|결제|송금|이체)"),
        "선금(?!지)",
        r"가상\s?계좌",
        rf"먼저\s?(?:{'|'.join(_MONEY)}|계좌)",
        _each(_MONEY, r"\s?(?:을|를|은|는|이|부터|도|만)?\s?먼저"),
        _each(_MONEY, r"\s?(?:을|를)?\s?부터"),
        rf"미리\s?(?:{'|'.join(_MONEY)})",
        _each(
            _TRANSFER,
            r"\s?(?:확인\s?(?:후|되면|되시면|하고|하면|되는\s?대로|뒤|해야|되야|돼야)|되면|되는\s?대로"
            r"|해\s?주시면|하시면|주시면|해\s?주면|해\s?주셔야|해\s?주셔야만|해야|하셔야)"
            rf"[^.\n]{{0,10}}?{_SHIP}",
        ),
        rf"계좌로\s?(?:돈\s?)?(?:보내|입금|송금|이체)\s?(?:주시면|해\s?주시면|하시면|주면)[^.\n]{{0,10}}?{_SHIP}",
        r"택배\s?거래만?[^.\n]{0,30}?(?:입금|계좌|송금|이체)",
        _each(("입금", "계좌", "송금", "이체"), r"[^.\n]{0,30}?택배\s?거래만"),
        _each(("안전",), r"\s?(?:결제|거래|송금|구매)\s?(?:링크|url|주소|사이트|페이지|창)"),
        r"결제\s?(?:링크|url)",
        _each(
            (
                r"네이버\s?페이",
                "네이버",
                "네페",
                r"번개\s?장터",
                "번장",
                r"중고\s?나라",
                r"카카오\s?페이",
                "토스",
                "페이코",
                "쿠팡",
            ),
            r"\s?(?:로\s?|으로\s?)?안전\s?(?:결제|거래|송금)",
        ),
        _each(
            ("예약금", "계약금", "보증금", "착수금", "가계약금", "홀딩비", "찜비"),
            r"[^.\n]{0,12}?(?:먼저|보내|입금|송금|이체|주시|걸어|넣어|부탁)",
        ),
        _each(
            ("택배비", "배송비", "반값", "절반", "반만", "일부"),
            r"[^.\n]{0,10}?(?:먼저|미리|선입금)",
        ),
    )
)
_NEGATION = re.compile(
    r"[^.\n]{0,10}?(?:(?<!면)(?<!면\s)안\s?(?:해|하|받|돼|되|됩|보내|드려|할|합)|않|없이|어렵|어려|불가"
    r"|못\s?(?:해|하|드|보내)|수\s?없|사절|노노|ㄴㄴ|싫|금지|하지\s?마|마세요|말고|조심|주의|위험|요구하"
    r"|하라는|해달라는|달라는|라는|x(?![a-z])|(?<!사기\s)(?<!사기)(?:아니(?:고|에요|예요|요|라)|아닙)"
    r"|사기(?!\s?(?:아니|아녜|아닙|아님|절대)))"
)


def _phrases(low: str) -> Iterator[tuple[Signal, int, int]]:
    for m in _matches(_OFF_PLATFORM, low):
        if m.group().startswith("번호") and _NUMBER_OF_SOMETHING.search(low, 0, m.start()):
            continue  # 송장 번호 알려드릴게요
        if _NEGATION.match(low, m.end()):
            continue  # 번호 교환은 어려워요
        yield Signal.OFF_PLATFORM, m.start(), m.end()
    for m in _matches(_PREPAYMENT, low):
        if not _NEGATION.match(low, m.end()):
            yield Signal.PREPAYMENT, m.start(), m.end()
