"""The signals a scan finds, their warnings, and what a scan returns."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dongne.kit.i18n import N_


class Signal(StrEnum):
    PHONE = "phone"
    ACCOUNT = "account"
    OFF_PLATFORM = "off_platform"
    PREPAYMENT = "prepayment"
    EXTERNAL_LINK = "external_link"


WARNING_MESSAGES: dict[Signal, str] = {
    Signal.PHONE: N_(
        "전화번호가 들어 있는 메시지예요. 채팅 밖에서 연락하면 문제가 생겨도 도움을 받기 어려워요."
    ),
    Signal.ACCOUNT: N_(
        "계좌번호가 들어 있는 메시지예요. 직접 만나 물건을 확인하기 전에는 돈을 보내지 마세요."
    ),
    Signal.OFF_PLATFORM: N_(
        "다른 메신저나 연락처로 대화를 옮기자는 요청은 사기의 흔한 시작이에요. "
        "대화는 채팅에서 이어가세요."
    ),
    Signal.PREPAYMENT: N_(
        "직접 만나기 전에 돈을 먼저 보내달라는 요청은 사기일 수 있어요. 안전하게 만나서 거래하세요."
    ),
    Signal.EXTERNAL_LINK: N_(
        "외부 사이트 링크예요. 결제, 로그인, 개인정보 입력을 요구하는 링크는 열지 마세요."
    ),
}


@dataclass(frozen=True, slots=True)
class Finding:
    signal: Signal
    start: int
    end: int  # a span of the original text: text[start:end]


@dataclass(frozen=True, slots=True)
class Scan:
    findings: tuple[Finding, ...] = ()  # sorted by (start, end, signal)

    @property
    def signals(self) -> frozenset[Signal]:
        return frozenset(f.signal for f in self.findings)

    @property
    def flagged(self) -> bool:
        return bool(self.findings)
