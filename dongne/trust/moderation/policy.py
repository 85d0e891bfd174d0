"""The fixed lists: why a person may report something, and the policy an
operator cites when acting (shown to the affected user)."""

from __future__ import annotations

from dongne.kit.i18n import N_

OTHER = "other"
FRAUD = "fraud"

# Report reasons, in the order the dialog lists them.
REASONS: dict[str, str] = {
    "pro_seller": N_("전문판매업자 같아요"),
    FRAUD: N_("사기인 것 같아요"),
    "prohibited": N_("거래 금지 품목이에요"),
    "abuse": N_("욕설/비매너"),
    "sexual": N_("성희롱"),
    OTHER: N_("기타"),
}

# The policy behind each reason, as the sanctioned user reads it.
POLICIES: dict[str, str] = {
    "pro_seller": N_("전문판매업자의 영업 활동은 동네 중고거래에서 허용되지 않아요."),
    FRAUD: N_("사기 또는 사기로 의심되는 거래 행위는 허용되지 않아요."),
    "prohibited": N_("법으로 거래가 금지되었거나 운영정책상 금지된 품목은 올릴 수 없어요."),
    "abuse": N_("욕설, 비하, 위협 등 이웃을 불쾌하게 하는 행동은 허용되지 않아요."),
    "sexual": N_("성희롱이나 성적 불쾌감을 주는 행동은 허용되지 않아요."),
    OTHER: N_("동네 운영정책을 위반했어요."),
}

# The policy's short name, for operators choosing it and for the audit log.
POLICY_NAMES: dict[str, str] = {
    "pro_seller": N_("전문판매업자"),
    FRAUD: N_("사기"),
    "prohibited": N_("거래 금지 품목"),
    "abuse": N_("욕설/비매너"),
    "sexual": N_("성희롱"),
    OTHER: N_("기타 운영정책 위반"),
}

ACTION_NAMES: dict[str, str] = {
    "dismiss": N_("문제 없음"),
    "hide_listing": N_("게시글 숨김"),
    "warn": N_("경고"),
    "suspend": N_("이용 정지"),
    "ban": N_("영구 정지"),
}

TARGET_NAMES: dict[str, str] = {
    "listing": N_("게시글"),
    "user": N_("사용자"),
    "message": N_("채팅 메시지"),
}

MAX_DETAIL = 500
MAX_NOTE = 1000
MAX_SUSPENSION_DAYS = 365
