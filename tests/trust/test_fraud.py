"""Fraud signals (dongne.trust.fraud): precision and recall on the labelled corpus, targeted
examples for every signal and obfuscation, spans in the original text, masking, own hosts,
and properties checked with hypothesis. Pure Python: no database.

``pytest -s tests/trust/test_fraud.py`` prints the precision/recall table.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dongne.trust.fraud import WARNING_MESSAGES, Finding, Scan, Signal, mask_accounts, scan

CORPUS = Path(__file__).with_name("fraud_corpus.tsv")
OWN_HOSTS = frozenset({"dongne.example", "127.0.0.1:8000"})
PROPERTY = settings(max_examples=150, deadline=None, database=None)


@dataclass(frozen=True)
class Example:
    line: int
    labels: frozenset[Signal]
    text: str


def load_corpus() -> list[Example]:
    examples = []
    for number, line in enumerate(CORPUS.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        labels, text = line.split("\t", 1)
        signals = frozenset() if labels == "-" else frozenset(map(Signal, labels.split(",")))
        examples.append(Example(number, signals, text))
    return examples


EXAMPLES = load_corpus()


def spans(text: str, signal: Signal, own_hosts: Iterable[str] = ()) -> list[str]:
    result = scan(text, own_hosts=own_hosts)
    return [text[f.start : f.end] for f in result.findings if f.signal is signal]


# --- the corpus -----------------------------------------------------------------------------


def test_the_corpus_is_large_varied_and_mostly_tricky() -> None:
    assert len(EXAMPLES) >= 300
    assert len({e.text for e in EXAMPLES}) == len(EXAMPLES), "duplicate messages"
    negatives = sum(1 for e in EXAMPLES if not e.labels)
    assert negatives / len(EXAMPLES) >= 0.40
    per_signal = Counter(s for e in EXAMPLES for s in e.labels)
    assert all(per_signal[s] >= 40 for s in Signal), per_signal


def test_precision_and_recall_on_the_corpus() -> None:
    found = {e: scan(e.text, own_hosts=OWN_HOSTS).signals for e in EXAMPLES}
    tp = sum(1 for e, got in found.items() if e.labels and got)
    fp = [e for e, got in found.items() if got and not e.labels]
    fn = [e for e, got in found.items() if e.labels and not got]
    precision, recall = tp / (tp + len(fp)), tp / (tp + len(fn))

    rows = []
    for signal in Signal:
        s_tp = sum(1 for e, got in found.items() if signal in e.labels and signal in got)
        s_fp = sum(1 for e, got in found.items() if signal not in e.labels and signal in got)
        s_fn = sum(1 for e, got in found.items() if signal in e.labels and signal not in got)
        rows.append((signal, s_tp, s_fp, s_fn, s_tp / (s_tp + s_fp), s_tp / (s_tp + s_fn)))
    negatives = sum(1 for e in EXAMPLES if not e.labels)
    print(f"\nfraud corpus: {len(EXAMPLES)} messages, {negatives} without a signal")
    header = ("signal", "labelled", "TP", "FP", "FN", "precision", "recall")
    print("  {:<14} {:>8} {:>4} {:>4} {:>4} {:>9} {:>7}".format(*header))
    line = "  {:<14} {:>8} {:>4} {:>4} {:>4} {:>9.3f} {:>7.3f}"
    for signal, s_tp, s_fp, s_fn, p, r in rows:
        print(line.format(signal, s_tp + s_fn, s_tp, s_fp, s_fn, p, r))
    print(line.format("any (message)", tp + len(fn), tp, len(fp), len(fn), precision, recall))
    wrong = [
        f"line {e.line}: want {sorted(e.labels)} got {sorted(got)}: {e.text}"
        for e, got in found.items()
        if got != e.labels
    ]
    if wrong:
        print("  differences:\n    " + "\n    ".join(wrong))

    assert precision >= 0.95, wrong
    assert recall >= 0.90, wrong
    for signal, _tp, _fp, _fn, p, r in rows:
        assert p >= 0.90, (signal, wrong)
        assert r >= 0.85, (signal, wrong)


# --- targeted examples: (text, the span that must be found) ---------------------------------

PHONES = [
    ("010-1234-5678로 연락주세요", "010-1234-5678"),
    ("제 번호 01012345678 입니다", "01012345678"),
    ("010 1234 5678", "010 1234 5678"),
    ("0 1 0 - 1 2 3 4 - 5 6 7 8 로", "0 1 0 - 1 2 3 4 - 5 6 7 8"),
    ("010ㅡ1234ㅡ5678", "010ㅡ1234ㅡ5678"),
    ("010.1234.5678", "010.1234.5678"),
    ("010/1234/5678", "010/1234/5678"),
    ("공일공 일이삼사 오육칠팔로 연락", "공일공 일이삼사 오육칠팔"),
    ("010 일이삼사 오육칠팔", "010 일이삼사 오육칠팔"),
    ("영일영-일이삼사-오육칠팔", "영일영-일이삼사-오육칠팔"),
    ("빵일빵 1234 5678", "빵일빵 1234 5678"),
    ("공1공 12삼4 5678", "공1공 12삼4 5678"),
    ("O1O-1234-5678 연락주세요", "O1O-1234-5678"),
    ("+82 10-1234-5678", "+82 10-1234-5678"),
    ("82-10-1234-5678", "82-10-1234-5678"),
    ("(010)1234-5678", "(010)1234-5678"),
    ("02-123-4567 사무실", "02-123-4567"),
    ("02 1234 5678", "02 1234 5678"),
    ("031-123-4567", "031-123-4567"),
    ("064)723-1182 제주", "064)723-1182"),
    ("070-1234-5678", "070-1234-5678"),
    ("0505-123-4567 안심번호", "0505-123-4567"),
    ("011-123-4567이에요", "011-123-4567"),
    ("01012345678이에요", "01012345678"),
    ("０１０－１２３４－５６７８", "０１０－１２３４－５６７８"),  # full width
    ("010\u200b1234\u200b5678", "010\u200b1234\u200b5678"),  # zero-width spaces
    (
        "0\ufe0f\u20e31\ufe0f\u20e30\ufe0f\u20e3 1234 5678",
        "0\ufe0f\u20e31\ufe0f\u20e30\ufe0f\u20e3 1234 5678",
    ),
]
ACCOUNTS = [
    ("국민 123456-78-901234 예금주 김민수", "123456-78-901234"),
    ("카카오뱅크 3333-01-2345678", "3333-01-2345678"),
    ("카뱅 3333-01-2345678 홍길동", "3333-01-2345678"),
    ("신한 110-123-456789", "110-123-456789"),
    ("신한110-123-456789", "110-123-456789"),
    ("NH352-2291-8837-13", "352-2291-8837-13"),
    ("KB 94820200182734", "94820200182734"),
    ("계좌 110 123 456789 신한이에요", "110 123 456789"),
    ("입금 계좌: 3333-09-2817364", "3333-09-2817364"),
    ("110-123-456789 김철수", "110-123-456789"),  # the shape alone
    ("예금주 홍길동 / 1002-123-456789", "1002-123-456789"),
    ("기업은행 010-123456-01-011", "010-123456-01-011"),  # an IBK account, not a phone
    ("우체국 110028-02-192837 이수정", "110028-02-192837"),
]
OFF_PLATFORM = [
    ("카톡 아이디 abc123 으로 연락주세요", "카톡 아이디"),
    ("카톡으로 연락주세요", "카톡으로"),
    ("카톡 주세요~", "카톡 주세요"),
    ("혹시 카톡 있으세요?", "카톡 있으세요"),
    ("카톡: mina_1004", "카톡: mina_1004"),
    ("카 톡 아이디 sun", "카 톡 아이디"),
    ("Kakao ID: minjun88", "Kakao ID"),
    ("오픈채팅으로 와주세요", "오픈채팅"),
    ("텔레그램 하세요?", "텔레그램"),
    ("텔레로 연락주세요", "텔레로"),
    ("라인 아이디 있으세요?", "라인 아이디"),
    ("line id: park88", "line id"),
    ("위챗으로 연락주세요", "위챗"),
    ("번호 좀 알려주세요", "번호 좀 알려"),
    ("연락처 남겨주세요", "연락처 남겨"),
    ("문자 주세요", "문자 주세요"),
    ("jiyoung0921@naver.com 으로 연락 주세요", "jiyoung0921@naver.com"),
    ("https://open.kakao.com/o/sAb3kd9 들어오세요", "https://open.kakao.com/o/sAb3kd9"),
    ("t.me/usedseller 로", "t.me/usedseller"),
    ("카\u200b톡 아이디 abc", "카\u200b톡 아이디"),
    ("카톡으로 연락주세요 절대 사기 아니에요", "카톡으로"),
]
PREPAYMENTS = [
    ("선입금 부탁드려요", "선입금"),
    ("서\u11ab입금 부탁드려요", "서\u11ab입금"),  # 선 typed as 서 + a conjoining final ㄴ
    ("입금 먼저 해주세요", "입금 먼저"),
    ("먼저 입금해주시면 보내드려요", "먼저 입금"),
    ("돈부터 보내주세요", "돈부터"),
    ("입금 확인 후 발송합니다", "입금 확인 후 발송"),
    ("입금되면 바로 택배 접수할게요", "입금되면 바로 택배"),
    ("계좌로 보내주시면 택배 보내드릴게요", "계좌로 보내주시면 택배"),
    ("택배거래만 가능해요 입금해주시면 보내요", "택배거래만 가능해요 입금"),
    ("네이버페이 안전결제 링크 보내드릴게요", "네이버페이 안전결제"),
    ("안전거래 링크로 결제하세요", "안전거래 링크"),
    ("예약금 먼저 보내주세요", "예약금 먼저"),
    ("계약금 3만원 보내주시면 빼둘게요", "계약금 3만원 보내"),
    ("가상계좌로 입금해주세요", "가상계좌"),
    ("택배비 3천원 먼저 보내주세요", "택배비 3천원 먼저"),
    ("입금 먼저요~ 사기 아니에요 ㅎㅎ", "입금 먼저"),
    ("먼저 입금해주시면 안 될까요?", "먼저 입금"),
]
LINKS = [
    ("https://bit.ly/3abc 여기서 결제", "https://bit.ly/3abc"),
    ("bit.ly/3abc 눌러보세요", "bit.ly/3abc"),
    ("www.joonggonara-safe.com 에서", "www.joonggonara-safe.com"),
    ("상세사진은 naver.me/5aBcDe 에", "naver.me/5aBcDe"),
    ("han.gl/xYz12", "han.gl/xYz12"),
    ("me2.do/5kdjf", "me2.do/5kdjf"),
    ("url.kr/ab12cd 로", "url.kr/ab12cd"),
    ("youtu.be/abcd1234", "youtu.be/abcd1234"),
    ("http://192.168.0.12:8080/pay 로 접속", "http://192.168.0.12:8080/pay"),
    ("192.168.0.12:8080/pay", "192.168.0.12:8080/pay"),
    ("bit(.)ly/4abcde", "bit(.)ly/4abcde"),
    ("naver (.) me/xYz99 여기", "naver (.) me/xYz99"),
    ("naver.com에서 검색", "naver.com"),
    ("주소는 https://evil.example.com/pay?a=1.", "https://evil.example.com/pay?a=1"),
    ("WWW.SAFEPAY-KR.COM", "WWW.SAFEPAY-KR.COM"),
    ("ｂｉｔ．ｌｙ／ａｂｃ", "ｂｉｔ．ｌｙ／ａｂｃ"),  # full width
    ("https://dongne.example.evil.com/x", "https://dongne.example.evil.com/x"),
]
CASES = (
    [(t, s, Signal.PHONE) for t, s in PHONES]
    + [(t, s, Signal.ACCOUNT) for t, s in ACCOUNTS]
    + [(t, s, Signal.OFF_PLATFORM) for t, s in OFF_PLATFORM]
    + [(t, s, Signal.PREPAYMENT) for t, s in PREPAYMENTS]
    + [(t, s, Signal.EXTERNAL_LINK) for t, s in LINKS]
)


@pytest.mark.parametrize(("text", "expected", "signal"), CASES)
def test_each_signal_and_obfuscation_is_found_with_its_span(
    text: str, expected: str, signal: Signal
) -> None:
    assert spans(text, signal, own_hosts=OWN_HOSTS) == [expected]


NOT_FLAGGED = [
    "120,000원에 팝니다",
    "12만원이요",
    "1,200,000원 네고 불가",
    "가격은 1200000원인데 조금 깎아드릴게요",
    "오후 7시 30분에 만나요",
    "19:30 역삼역 3번 출구",
    "2024-05-12에 구매했어요",
    "2024-05-12 19:30 에 뵐게요",
    "2023.11.03 영수증 있어요",
    "RTX4070 SUPER",
    "SM-G998N 갤럭시",
    "맥북 A2482",
    "갤럭시 S23 256GB",
    "나이키 270mm",
    "55인치 TV",
    "운송장 번호 567812345678 입니다",
    "송장번호 6087-1234-5678 보내드려요",
    "CJ대한통운 6087 2938 4412 로 보냈어요",
    "우체국 등기 6892038471928 오늘 보냈습니다",
    "주문번호 2024051212345",
    "IMEI 352938471029384",
    "사업자등록번호 123-45-67890",
    "ISBN 978-89-93827-41-5",
    "역삼동 123-45 앞에서 봬요",
    "101동 1203호로 오시면 돼요",
    "1588-3366 삼성 서비스센터",
    "고객센터 1577-1255",
    "온라인에서 더 싸요",
    "라인업 중에 제일 좋은 모델",
    "가이드라인 지켜서 포장할게요",
    "헤어라인 스크래치",
    "A라인 스커트",
    "2호선 라인이면 어디든 가능해요",
    "카톡 알림이 안 와서 늦게 봤어요",
    "카카오페이로 보내드려도 될까요? 만나서요",
    "카톡 말고 여기서 얘기해요",
    "텔레비전 팝니다",
    "만나서 현금으로 드릴게요",
    "입금은 만나서 확인하고 할게요",
    "선착순으로 드려요",
    "선물 받은 건데 팔아요",
    "택배비는 제가 부담할게요",
    "당근페이로 거래해요",
    "선입금은 안 받아요",
    "선입금 요구하는 사람은 사기래요 조심하세요",
    "번호 교환은 어려워요",
    "카톡으로 말고 여기서 얘기해요",
    "전화번호는 알려드릴 수 없어요",
    "3.5kg 덤벨",
    "v1.2 펌웨어",
    "Ver.2 모델",
    "사진.jpg 보내드릴게요",
    "iOS 17.2",
    "이삼일 안에 연락드릴게요",
    "오일 교환한 지 얼마 안 됐어요",
    "https://dongne.example/listings/1928",
    "상자에 적힌 번호 5521-93827461 이거 맞나요?",
]


@pytest.mark.parametrize("text", NOT_FLAGGED)
def test_tricky_negatives_are_not_flagged(text: str) -> None:
    assert scan(text, own_hosts=OWN_HOSTS).findings == ()


def test_a_phone_number_account_is_both() -> None:
    assert scan("국민 010-1234-5678 평생계좌").signals == {Signal.PHONE, Signal.ACCOUNT}
    assert scan("010-1234-5678로 입금해주세요").signals == {Signal.PHONE}


# --- spans ----------------------------------------------------------------------------------


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.labels], ids=lambda e: str(e.line))
def test_spans_survive_decomposed_hangul(example: Example) -> None:
    """NFD text (as some keyboards and macOS send it) is longer; spans still point at it."""
    text = example.text
    decomposed = unicodedata.normalize("NFD", text)
    plain, nfd = scan(text, own_hosts=OWN_HOSTS), scan(decomposed, own_hosts=OWN_HOSTS)
    assert nfd.signals == plain.signals
    assert [unicodedata.normalize("NFC", decomposed[f.start : f.end]) for f in nfd.findings] == [
        text[f.start : f.end] for f in plain.findings
    ]


def test_spans_are_tight_and_inside_the_text() -> None:
    for example in EXAMPLES:
        for f in scan(example.text, own_hosts=OWN_HOSTS).findings:
            span = example.text[f.start : f.end]
            assert span and span == span.strip(), (example.line, span)


def test_scan_reports_signals_and_flagged() -> None:
    result = scan("선입금 주시면 010-1234-5678 로 문자 주세요")
    assert result.flagged
    assert result.signals == {Signal.PREPAYMENT, Signal.PHONE, Signal.OFF_PLATFORM}
    assert result.findings[0] == Finding(Signal.PREPAYMENT, 0, 3)
    assert scan("") == Scan(()) and not scan("").flagged and scan("").signals == frozenset()


def test_every_signal_has_a_korean_warning() -> None:
    assert set(WARNING_MESSAGES) == set(Signal)
    for message in WARNING_MESSAGES.values():
        assert any("\uac00" <= c <= "\ud7a3" for c in message)


# --- masking --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("국민 123456-78-901234 예금주 김민수", "국민 ••••••-••-••1234 예금주 김민수"),
        ("카뱅 3333-01-2345678", "카뱅 ••••-••-•••5678"),
        ("KB 94820200182734 입니다", "KB ••••••••••2734 입니다"),
        ("국민 １２３４５６－７８－９０１２３４", "국민 ••••••－••－••１２３４"),
        (
            "신한 110-123-456789 / 010-1234-5678 문자 주세요",
            "신한 •••-•••-••6789 / 010-1234-5678 문자 주세요",
        ),
        ("계좌는 만나서 알려드릴게요 010-1234-5678", "계좌는 만나서 알려드릴게요 010-1234-5678"),
    ],
)
def test_mask_accounts_hides_all_but_the_last_four_digits(text: str, masked: str) -> None:
    assert mask_accounts(text, scan(text)) == masked


def test_mask_accounts_refuses_a_scan_of_another_text() -> None:
    with pytest.raises(ValueError, match="not of this text"):
        mask_accounts("짧은 글", scan("국민 123456-78-901234 예금주 김민수"))


# --- own hosts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "own_hosts", "flagged"),
    [
        ("https://dongne.example/listings/1", {"dongne.example"}, False),
        ("HTTPS://DONGNE.EXAMPLE/listings/1", {"dongne.example"}, False),
        ("https://www.dongne.example/listings/1", {"dongne.example"}, False),
        ("https://m.dongne.example/listings/1", {"dongne.example"}, False),
        ("https://dongne.example/listings/1", {"https://dongne.example/"}, False),
        ("http://127.0.0.1:8000/listings/3", {"127.0.0.1:8000"}, False),
        ("127.0.0.1:8000/chat/12", {"127.0.0.1:8000"}, False),
        ("http://127.0.0.1:9000/listings/3", {"127.0.0.1:8000"}, True),
        ("https://dongne.example/listings/1", set(), True),
        ("https://dongne.example.evil.com/pay", {"dongne.example"}, True),
        ("https://evildongne.example/pay", {"dongne.example"}, True),
        ("dongne.example 말고 bit.ly/x 로", {"dongne.example"}, True),
    ],
)
def test_links_to_own_hosts_are_fine(text: str, own_hosts: set[str], flagged: bool) -> None:
    assert (Signal.EXTERNAL_LINK in scan(text, own_hosts=own_hosts).signals) is flagged


# --- properties -----------------------------------------------------------------------------

TOKENS = [
    *"0123456789 -.()+/@:ㅡ~·_",
    *"공영빵일이삼사오육칠팔구oO",
    "\u200b", "０", "１", "\u0301", "\u1161", "ㅋ", "가", "\n",
    "010", "82", "카톡", "아이디", "라인", "텔레", "으로", "선입금", "입금", "먼저", "국민", "신한",
    "계좌", "택배", "운송장", "https://", "www.", ".com", "bit.ly", "(.)", "원", "시", "분",
]  # fmt: skip
SUSPICIOUS_TEXT = st.lists(st.sampled_from(TOKENS), max_size=1500).map("".join)
ANY_TEXT = st.one_of(st.text(max_size=4000), SUSPICIOUS_TEXT)


@settings(PROPERTY, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(ANY_TEXT)
def test_scan_never_raises_and_its_findings_are_sound(text: str) -> None:
    result = scan(text, own_hosts=OWN_HOSTS)
    assert result == scan(text, own_hosts=OWN_HOSTS)  # deterministic
    keys = [(f.start, f.end, f.signal.value) for f in result.findings]
    assert keys == sorted(set(keys))  # sorted, no duplicates
    for f in result.findings:
        assert 0 <= f.start < f.end <= len(text)
    masked = mask_accounts(text, result)
    assert len(masked) == len(text)
    assert all(a == b or (a.isdigit() and b == "•") for a, b in zip(text, masked, strict=True))


@PROPERTY
@given(
    st.integers(min_value=0, max_value=10**15),
    st.sampled_from(["{}", "가격 {}에 팝니다", "{} 입금할게요", "계좌로 {} 보냈어요"]),
)
def test_prices_are_never_flagged(n: int, template: str) -> None:
    assert not scan(template.format(f"{n:,}원")).flagged
    assert not scan(template.format(f"{n}원")).flagged


@PROPERTY
@given(st.integers(0, 23), st.integers(0, 59), st.sampled_from(["{}", "내일 오후 {}에 만나요"]))
def test_times_are_never_flagged(hour: int, minute: int, template: str) -> None:
    assert not scan(template.format(f"{hour}시 {minute}분")).flagged
    assert not scan(template.format(f"{hour:02d}:{minute:02d}")).flagged


@PROPERTY
@given(
    st.from_regex(r"[A-Z]{1,4}-?[0-9]{4}[A-Z]{0,3}", fullmatch=True),
    st.sampled_from(["{}", "모델명 {} 팝니다", "{} 정품이에요"]),
)
def test_model_numbers_are_never_flagged(model: str, template: str) -> None:
    assert not scan(template.format(model)).flagged


SPELLED = dict(
    zip(
        "0123456789",
        ["공영빵", "일", "이", "삼", "사", "오", "육륙", "칠", "팔", "구"],
        strict=True,
    )
)


@PROPERTY
@given(
    st.sampled_from(["010", "011", "016", "019", "02", "031", "070"]),
    st.from_regex(r"[1-9][0-9]{3}", fullmatch=True),
    st.from_regex(r"[0-9]{4}", fullmatch=True),
    st.sampled_from([" ", "-", ".", "", "ㅡ", " - ", "  "]),
    st.data(),
)
def test_phone_numbers_in_any_format_are_found(
    prefix: str, middle: str, last: str, sep: str, data: st.DataObject
) -> None:
    number = f"{prefix}{sep}{middle}{sep}{last}"
    if data.draw(st.booleans(), label="spelled"):
        number = "".join(
            data.draw(st.sampled_from(SPELLED[c])) if c.isdigit() else c for c in number
        )
    text = f"번호는 {number} 입니다"
    assert spans(text, Signal.PHONE) == [number]


@PROPERTY
@given(
    st.sampled_from(
        [
            "국민",
            "신한",
            "우리은행",
            "하나은행",
            "농협",
            "카카오뱅크",
            "카뱅",
            "토스뱅크",
            "KB",
            "IBK",
        ]
    ),
    st.sampled_from([(3, 3, 6), (4, 2, 7), (6, 2, 6), (3, 4, 4, 2), (3, 6, 5), (4, 4, 4)]),
    st.data(),
)
def test_account_numbers_next_to_a_bank_are_found_and_masked(
    bank: str, shape: tuple[int, ...], data: st.DataObject
) -> None:
    parts = [data.draw(st.from_regex(f"[1-9][0-9]{{{n - 1}}}", fullmatch=True)) for n in shape]
    number = "-".join(parts)
    text = f"{bank} {number} 예금주 김민수"
    assert spans(text, Signal.ACCOUNT) == [number]
    masked = mask_accounts(text, scan(text))
    assert masked.endswith(f"{number[-4:]} 예금주 김민수")
    assert sum(c.isdigit() for c in masked) == 4
