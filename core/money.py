"""Money is integer fen (1 yuan = 100 fen); formatting is for display only."""


def format_yuan(fen: int | None) -> str:
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def yuan_to_fen(yuan: int | str) -> int:
    """Whole or decimal yuan (as text) to fen without float rounding."""
    text = str(yuan).strip()
    whole, _, frac = text.partition(".")
    if len(frac) > 2 or not whole.lstrip("-").isdigit() or (frac and not frac.isdigit()):
        raise ValueError(f"not an amount in yuan: {yuan!r}")
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 100 + int((frac + "00")[:2]))
