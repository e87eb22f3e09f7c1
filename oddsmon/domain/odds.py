"""Pure odds maths: margins, margin-free ("fair") probabilities, arbitrage, format conversions.

Everything here works on *decimal* prices (the total return of a unit stake, so a price is
always > 1) and is free of I/O and third-party code, so it can be tested exhaustively and
reused by the TUI, the store and the simulator alike.

Conventions shared by every function:

* A price must be a finite real number strictly greater than 1; anything else raises
  ``ValueError`` naming the offending value (a price of 1.0 or less returns nothing on a win,
  so it is a feed error or a suspended market, never something to compute with).
* A "market" is the list of prices of mutually exclusive, exhaustive outcomes (e.g. home /
  draw / away) from one source, and must have at least two prices.

References for the fair-probability methods:

* Shin, H. S. (1992) *Prices of State Contingent Claims with Insider Traders, and the
  Favourite-Longshot Bias*; Shin (1993) *Measuring the Incidence of Insider Trading in a Market
  for State-Contingent Claims*; Jullien, B. & Salanié, B. (1994) *Measuring the incidence of
  insider trading: A comment on Shin*.
* Cheung, K. (2015) *Fixed-odds betting and traditional odds* (the odds-ratio method).
* Buchdahl, J. *Using the wisdom of the crowd to find value in a football match betting
  market* (football-data.co.uk): margin weights proportional to the odds, odds ratio, and the
  "logarithmic" (power) method.
* Lindstrøm, J. C. ``implied`` R package (CRAN), whose ``basic``, ``additive``, ``power``,
  ``shin`` and ``or`` methods these reproduce (its ``wpo`` equals our ``additive``, see
  :func:`fair_probabilities`).
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from ..types import FAIR_METHODS, PRICE_FORMATS, FairMethod, PriceFormat

__all__ = [
    "FAIR_METHODS",
    "FRACTIONAL_LADDER",
    "PRICE_FORMATS",
    "Arbitrage",
    "ArbitrageStakes",
    "BestPrice",
    "american_to_decimal",
    "arbitrage",
    "arbitrage_of",
    "arbitrage_stakes",
    "best_prices",
    "closing_line_value",
    "decimal_to_american",
    "decimal_to_fractional",
    "expected_value",
    "fair_odds",
    "fair_probabilities",
    "format_price",
    "fractional_to_decimal",
    "implied_probability",
    "kelly_fraction",
    "kelly_stake",
    "margin",
    "round_stake",
    "share_stake",
    "shin_z",
    "stake_text",
]


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def _check_price(price: object, position: int | None = None, bookmaker: object = None) -> float:
    """Return ``price`` as a float, or raise ``ValueError`` naming it and where it sits
    (``position`` in its market, from ``bookmaker``). Where is put into words only for a price
    refused: a value scan checks every price of every line, and building each one's message
    (even as a closure) cost more than the maths."""
    if type(price) is float:
        # Parsed prices are floats: skip the numbers.Real check, an ABC lookup that dominated
        # a big day's Dashboard (tens of thousands of prices).
        value = price
    else:
        # bool is a numbers.Real subclass, but True as a price is always a bug upstream.
        if not isinstance(price, numbers.Real) or isinstance(price, bool):
            raise ValueError(f"price {price!r}{_where(position, bookmaker)} is not a number")
        value = float(price)
    if not 1.0 < value < math.inf:  # also false for NaN
        raise ValueError(f"price {price!r}{_where(position, bookmaker)} is not a valid decimal price "
                         "(must be finite and > 1)")
    return value


def _where(position: int | None, bookmaker: object) -> str:
    if position is None:
        return ""
    source = "" if bookmaker is None else f" from bookmaker {bookmaker!r}"
    return f"{source} at position {position}"


def _check_market(prices: Sequence[float]) -> list[float]:
    """Validate one market's prices (at least two, each a valid decimal price)."""
    values = [_check_price(p, i) for i, p in enumerate(prices)]
    if len(values) < 2:
        raise ValueError(f"a market needs at least 2 prices, got {len(values)}: {list(prices)!r}")
    return values


# --------------------------------------------------------------------------------------------
# Basic quantities
# --------------------------------------------------------------------------------------------


def implied_probability(price: float) -> float:
    """Naive implied probability of a decimal price: ``1 / price`` (margin still included)."""
    return 1.0 / _check_price(price)


def margin(prices: Sequence[float]) -> float:
    """Bookmaker overround of one market: ``sum(1 / price) - 1``.

    ``0.05`` means a 5 % margin; a negative value means the prices together are generous
    enough that backing every outcome would profit (see :func:`arbitrage`).
    """
    # fsum: a market's inverse prices are close to 1 in total and the margin is the small
    # difference, so naive summation would throw away the digits we care about.
    return math.fsum(1.0 / p for p in _check_market(prices)) - 1.0


def expected_value(price: float, probability: float) -> float:
    """Expected profit per unit stake of backing ``price`` when the outcome has ``probability``.

    ``EV = probability * price - 1``: positive means the bet is worth taking at that estimate.
    """
    value = _check_price(price)
    if (
        not isinstance(probability, numbers.Real)
        or isinstance(probability, bool)
        or not 0.0 <= float(probability) <= 1.0
    ):
        raise ValueError(f"probability {probability!r} is not a number in [0, 1]")
    return float(probability) * value - 1.0


# --------------------------------------------------------------------------------------------
# Root finding
# --------------------------------------------------------------------------------------------

# Bisection halves the bracket each step; 2000 steps is far more than the ~1100 a double can
# ever need, so the cap only guards against a non-terminating bug, never truncates a result.
_MAX_STEPS = 2000


def _bisect(f: Callable[[float], float], lo: float, hi: float) -> float:
    """Root of ``f`` in the bracket ``[lo, hi]``, where ``f(lo)`` and ``f(hi)`` differ in sign.

    Plain bisection: slower than Brent but it cannot diverge or leave the bracket, and at
    ~50 steps per market it is far below anything a terminal refresh would notice.
    """
    f_lo, f_hi = f(lo), f(hi)
    if f_lo == 0.0:
        return lo
    if f_hi == 0.0:
        return hi
    if (f_lo > 0.0) == (f_hi > 0.0):
        raise ArithmeticError(f"root not bracketed: f({lo!r})={f_lo!r}, f({hi!r})={f_hi!r}")
    lo_positive = f_lo > 0.0
    for _ in range(_MAX_STEPS):
        mid = lo + (hi - lo) / 2.0
        # Stop once the bracket is as narrow as doubles allow around the root.
        if not lo < mid < hi or hi - lo <= 4.0 * math.ulp(max(1.0, abs(lo), abs(hi))):
            return mid
        f_mid = f(mid)
        if f_mid == 0.0:
            return mid
        if (f_mid > 0.0) == lo_positive:
            lo = mid
        else:
            hi = mid
    return lo + (hi - lo) / 2.0


def _grow_until_negative(f: Callable[[float], float], start: float) -> float:
    """Double ``start`` (> 0) until ``f`` is no longer positive; used to find a bracket end."""
    x = start
    while f(x) > 0.0:
        x *= 2.0
        if not math.isfinite(x):
            raise ArithmeticError("could not bracket the root")
    return x


# --------------------------------------------------------------------------------------------
# Fair (margin-free) probabilities
# --------------------------------------------------------------------------------------------


def _shin_probabilities(z: float, weights: Sequence[float]) -> list[float]:
    """Shin's probabilities for insider share ``z``; ``weights[i] = pi_i**2 / sum(pi)``.

    The published form is ``(sqrt(z**2 + 4(1-z) w) - z) / (2(1-z))``. For z >= 0 we use the
    algebraically identical ``2w / (sqrt(z**2 + 4(1-z) w) + z)`` because the published form
    cancels catastrophically as z -> 1 (and is 0/0 at z = 1, whose limit is w).
    """
    out = []
    for w in weights:
        root = math.sqrt(z * z + 4.0 * (1.0 - z) * w)
        out.append(2.0 * w / (root + z) if z >= 0.0 else (root - z) / (2.0 * (1.0 - z)))
    return out


def _shin_z(inverse: Sequence[float], booksum: float) -> float:
    weights = [pi * pi / booksum for pi in inverse]

    def excess(z: float) -> float:
        return math.fsum(_shin_probabilities(z, weights)) - 1.0

    # The side is chosen from the computed excess(0), not from booksum: for a book within
    # rounding of 100 % the two can disagree in sign, and the bracket must match f itself.
    if excess(0.0) >= 0.0:
        # excess(0) = sqrt(booksum) - 1 and excess(1) = sum(pi^2)/booksum - 1 < 0 (each
        # pi < 1), so a book over 100 % has its root in [0, 1).
        return _bisect(excess, 0.0, 1.0)
    # A book under 100 % (only seen with composite best prices or exchanges) needs z < 0;
    # Shin gives it no economic meaning, but the equation still has a root: at z = -1 every
    # probability is (sqrt(1 + 8w) + 1)/4 >= 1/2, so excess(-1) >= n/2 - 1 >= 0.
    return _bisect(excess, -1.0, 0.0)


def shin_z(prices: Sequence[float]) -> float:
    """Shin's estimate of the share ``z`` of insider money in one market.

    ``z`` is the root of ``sum(p_i) = 1`` with
    ``p_i = (sqrt(z**2 + 4(1-z) pi_i**2 / sum(pi)) - z) / (2(1-z))`` and ``pi_i = 1/price_i``
    (Shin 1992/1993; Jullien & Salanié 1994; the ``implied`` R package's ``shin`` method).
    It is 0 for a market without margin, in ``(0, 1)`` for a normal market, and negative (no
    economic meaning, as the R package warns) for a market whose prices sum below 100 %.
    """
    inverse = [1.0 / p for p in _check_market(prices)]
    return _shin_z(inverse, math.fsum(inverse))


def _power(inverse: Sequence[float]) -> list[float]:
    def excess(k: float) -> float:
        return math.fsum(pi**k for pi in inverse) - 1.0

    # excess is decreasing in k (every pi < 1), excess(1) = booksum - 1 and excess(0) = n - 1.
    # Branch on the computed excess(1) so the bracket always matches f's own signs.
    if excess(1.0) > 0.0:
        k = _bisect(excess, 1.0, _grow_until_negative(excess, 2.0))
    else:
        k = _bisect(excess, 0.0, 1.0)
    return [pi**k for pi in inverse]


def _odds_ratio(inverse: Sequence[float]) -> list[float]:
    def fair(c: float) -> list[float]:
        return [pi / (c + pi - c * pi) for pi in inverse]

    def excess(c: float) -> float:
        return math.fsum(fair(c)) - 1.0

    # Each fair(c)_i falls as c grows; excess(1) = booksum - 1 and excess(0) = n - 1.
    # Branch on the computed excess(1): 1 + pi - pi need not round to exactly 1.
    if excess(1.0) > 0.0:
        c = _bisect(excess, 1.0, _grow_until_negative(excess, 2.0))
    else:
        c = _bisect(excess, 0.0, 1.0)
    return fair(c)


def fair_probabilities(prices: Sequence[float], method: FairMethod = "multiplicative") -> list[float]:
    """Margin-free probabilities of one market's outcomes, in the order of ``prices``.

    With ``pi_i = 1 / price_i`` (the naive implied probabilities) and ``n`` outcomes:

    ``"multiplicative"``
        Normalisation, the ``implied`` package's ``basic``: ``p_i = pi_i / sum(pi)``.
    ``"additive"``
        An equal share of the margin is subtracted from each outcome:
        ``p_i = pi_i - (sum(pi) - 1) / n``. This is algebraically identical to Buchdahl's
        *margin weights proportional to the odds* (MWPO, the package's ``wpo``):
        ``fair_odds_i = n * o_i / (n - M * o_i)`` with ``M = sum(pi) - 1`` gives
        ``1 / fair_odds_i = 1/o_i - M/n``. The published formula is kept as is, so **a long
        shot whose pi_i is below (sum(pi) - 1) / n gets a zero or negative probability**
        (Clarke, Kovalchik & Ingram 2017 show such cases). We neither clamp (that would break
        the sum and the definition) nor raise (the other outcomes' values are still the
        method's answer); callers displaying it should flag values <= 0, and
        :func:`fair_odds` turns them into ``math.inf``.
    ``"power"``
        Buchdahl's logarithmic method: ``p_i = pi_i ** k`` with ``k`` solved so the sum is 1.
    ``"shin"``
        Shin's insider-trading model, ``p_i = (sqrt(z**2 + 4(1-z) pi_i**2 / sum(pi)) - z) /
        (2(1-z))`` with ``z`` solved so the sum is 1 (see :func:`shin_z`). For two outcomes it
        coincides with ``"additive"``.
    ``"odds_ratio"``
        Cheung (2015): ``p_i = pi_i / (c + pi_i - c * pi_i)`` with ``c`` solved so the sum is 1,
        i.e. the odds ratio ``(pi_i/(1-pi_i)) / (p_i/(1-p_i))`` is the same ``c`` for every
        outcome.

    The parameters are found by bisection to full double precision, then the result is
    divided by its sum (as the R package does by default) so it sums to 1 to rounding error.
    A market without margin gives back ``pi`` under every method. A market summing below
    100 % is accepted: the same equations are solved (power gets ``k < 1``, odds ratio
    ``c < 1``, Shin ``z < 0``).

    Raises ``ValueError`` for an unknown ``method``, fewer than two prices, or a price that is
    not a finite number > 1.
    """
    if method not in FAIR_METHODS:
        raise ValueError(f"unknown fair-odds method {method!r}; expected one of {FAIR_METHODS}")
    inverse = [1.0 / p for p in _check_market(prices)]
    booksum = math.fsum(inverse)
    n = len(inverse)
    if method == "multiplicative":
        raw = list(inverse)
    elif method == "additive":
        share = (booksum - 1.0) / n
        raw = [pi - share for pi in inverse]
    elif method == "power":
        raw = _power(inverse)
    elif method == "shin":
        raw = _shin_probabilities(_shin_z(inverse, booksum), [pi * pi / booksum for pi in inverse])
    else:
        raw = _odds_ratio(inverse)
    total = math.fsum(raw)
    return [p / total for p in raw]


def fair_odds(prices: Sequence[float], method: FairMethod = "multiplicative") -> list[float]:
    """Margin-free decimal odds, ``1 / p`` for each ``p`` of :func:`fair_probabilities`.

    An outcome the method prices at probability <= 0 (only ``"additive"`` on long shots, or a
    probability that underflows in an absurd market) has no finite fair price and gets
    ``math.inf``.
    """
    return [1.0 / p if p > 0.0 else math.inf for p in fair_probabilities(prices, method)]


# --------------------------------------------------------------------------------------------
# Best prices and arbitrage
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BestPrice:
    """The highest price offered for one outcome and the bookmaker offering it."""

    price: float
    bookmaker: str


@dataclass(frozen=True)
class Arbitrage:
    """A sure-profit combination of the best price for every outcome of a market.

    ``total = sum(1 / prices)`` (< 1), ``profit = 1 / total - 1`` (per unit of bankroll),
    ``stakes[i] = (1 / prices[i]) / total`` (shares of the bankroll, summing to 1, chosen so
    every outcome pays back ``1 / total``), and ``bookmakers[i]`` offers ``prices[i]``.
    """

    total: float
    profit: float
    stakes: list[float]
    bookmakers: list[str]
    prices: list[float]


def best_prices(
    prices_by_bookmaker: Mapping[str, Sequence[float | None]],
) -> list[BestPrice | None]:
    """The highest price per outcome across bookmakers, with who offers it.

    ``prices_by_bookmaker`` maps a bookmaker name to its prices for each outcome, ``None``
    where it does not price that outcome; every bookmaker must list the same number of
    outcomes. An outcome nobody prices gives ``None``. Ties go to the bookmaker that comes
    first in the mapping's order, so the result is deterministic for a given feed order.

    Raises ``ValueError`` naming the bookmaker for a mismatched outcome count or a bad price.
    """
    best: list[BestPrice | None] = []
    n_outcomes: int | None = None
    for bookmaker, prices in prices_by_bookmaker.items():
        if n_outcomes is None:
            n_outcomes = len(prices)
            best = [None] * n_outcomes
        elif len(prices) != n_outcomes:
            raise ValueError(
                f"bookmaker {bookmaker!r} has {len(prices)} prices, expected {n_outcomes}"
            )
        for i, raw in enumerate(prices):
            if raw is None:
                continue
            price = _check_price(raw, i, bookmaker)
            current = best[i]
            # Strictly greater: an equal later price never displaces the earlier bookmaker.
            if current is None or price > current.price:
                best[i] = BestPrice(price, bookmaker)
    return best


def arbitrage(prices_by_bookmaker: Mapping[str, Sequence[float | None]]) -> Arbitrage | None:
    """The arbitrage available from the best price per outcome, or ``None`` if there is none.

    Uses :func:`best_prices`; returns ``None`` unless there are at least two outcomes, every
    outcome is priced by someone, and ``sum(1 / best) < 1``.
    """
    return arbitrage_of(best_prices(prices_by_bookmaker))


def arbitrage_of(best: Sequence[BestPrice | None]) -> Arbitrage | None:
    """:func:`arbitrage` from best prices already found (a scan of every line needs both)."""
    if len(best) < 2:
        return None
    chosen: list[BestPrice] = []
    for entry in best:
        if entry is None:
            return None
        chosen.append(entry)
    inverse = [1.0 / b.price for b in chosen]
    total = math.fsum(inverse)
    if total >= 1.0:
        return None
    return Arbitrage(
        total=total,
        profit=1.0 / total - 1.0,
        stakes=[pi / total for pi in inverse],
        bookmakers=[b.bookmaker for b in chosen],
        prices=[b.price for b in chosen],
    )


# --------------------------------------------------------------------------------------------
# Stakes in money, closing line value
# --------------------------------------------------------------------------------------------


def kelly_fraction(price: float, probability: float) -> float:
    """The full-Kelly share of the bankroll to back ``price`` when the outcome has ``probability``.

    ``(p * price - 1) / (price - 1)`` (Kelly 1956; with net odds ``b = price - 1`` this is the
    textbook ``(b p - q) / b``), and 0 when the bet has no edge: Kelly never stakes on a bet
    whose expected value is not positive.
    """
    edge = expected_value(price, probability)  # validates both
    return edge / (price - 1.0) if edge > 0.0 else 0.0


def kelly_stake(price: float, probability: float, bankroll: float, fraction: float,
                round_to: float) -> float:
    """The money to stake: ``fraction`` of full Kelly on ``bankroll``, rounded to ``round_to``."""
    return share_stake(kelly_fraction(price, probability), bankroll, fraction, round_to)


def share_stake(share: float, bankroll: float, fraction: float, round_to: float) -> float:
    """The money to stake for a full-Kelly ``share`` of the bankroll worked out elsewhere (a
    push's, several outcomes' at once): ``fraction`` of it on ``bankroll``, rounded."""
    return round_stake(bankroll * fraction * share, round_to)


def money(amount: float, currency: str, *, sign: bool = False) -> str:
    """Money as people read it, with its currency: ``536.44 EUR``, ``1,000 EUR`` (``sign``:
    ``+12.00 EUR``, a profit or loss)."""
    return f"{amount:+,.2f} {currency}" if sign else f"{amount_text(amount)} {currency}"


def amount_text(amount: float) -> str:
    """An amount without its currency, for a column whose heading names it: ``536.44``, ``1,000``."""
    return f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"


def stake_text(share: float, stake: float, round_to: float) -> str:
    """A Kelly stake as a table shows it, without its currency: ``no edge`` when Kelly backs
    nothing (``share`` 0), ``<5`` when it backs less than half of the rounding step ``round_to``
    (rounded, that is 0: "0" would read as no edge), else the rounded ``stake``."""
    if share <= 0.0:
        return "no edge"
    return f"<{amount_text(round_to)}" if stake == 0.0 else amount_text(stake)


def round_stake(amount: float, round_to: float) -> float:
    """``amount`` to the nearest multiple of ``round_to`` (halves up); ``round_to`` must be > 0."""
    if not round_to > 0.0 or not math.isfinite(round_to):
        raise ValueError(f"round_to {round_to!r} must be a finite number > 0")
    steps = math.floor(amount / round_to + 0.5)
    # round() to 9 decimals: 0.1 * 3 is 0.30000000000000004, and stakes are shown as typed.
    return round(steps * round_to, 9)


@dataclass(frozen=True)
class ArbitrageStakes:
    """An arbitrage in money: what to stake on each outcome and what comes back.

    ``exact_*`` are before rounding (every outcome returns ``exact_return``); ``stakes`` are
    rounded to the caller's ``round_to``, so each outcome returns ``returns[i]`` and the
    guaranteed return is their minimum. ``rounding_effect`` is what rounding did to the
    guaranteed profit (negative: it cost that much).
    """

    exact_stakes: list[float]
    exact_return: float
    stakes: list[float]
    returns: list[float]

    @property
    def staked(self) -> float:
        return math.fsum(self.stakes)

    @property
    def guaranteed_return(self) -> float:
        return min(self.returns)

    @property
    def profit(self) -> float:
        return self.guaranteed_return - self.staked

    @property
    def exact_profit(self) -> float:
        return self.exact_return - math.fsum(self.exact_stakes)

    @property
    def rounding_effect(self) -> float:
        return self.profit - self.exact_profit


def arbitrage_stakes(prices: Sequence[float], bankroll: float, round_to: float) -> ArbitrageStakes:
    """Split ``bankroll`` over ``prices`` (one per outcome) so every outcome returns the same.

    ``stake_i = bankroll * (1 / price_i) / sum(1 / price)``, each returning
    ``bankroll / sum(1 / price)``; then each stake is rounded to ``round_to``.
    """
    values = _check_market(prices)
    if not bankroll > 0.0 or not math.isfinite(bankroll):
        raise ValueError(f"bankroll {bankroll!r} must be a finite number > 0")
    inverse = [1.0 / p for p in values]
    total = math.fsum(inverse)
    exact = [bankroll * pi / total for pi in inverse]
    rounded = [round_stake(s, round_to) for s in exact]
    return ArbitrageStakes(exact, bankroll / total, rounded,
                           [s * p for s, p in zip(rounded, values, strict=True)])


def closing_line_value(price: float, closing_fair_price: float) -> float:
    """How much better ``price`` was than the closing fair price, in percent.

    ``(price / closing_fair_price - 1) * 100``: +5 means the pick got 5 % more than the market's
    margin-free price at kickoff, the usual yardstick of a bettor's edge.
    """
    return (_check_price(price) / _check_price(closing_fair_price) - 1.0) * 100.0


# --------------------------------------------------------------------------------------------
# Format conversions
# --------------------------------------------------------------------------------------------

_AMERICAN_RE = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def american_to_decimal(american: float | str) -> float:
    """Decimal price of an American (moneyline) price.

    ``+A`` (A >= 100) wins A per 100 staked: ``1 + A/100``; ``-A`` (A >= 100) stakes A to win
    100: ``1 + 100/A``. So ``-110 -> 1.9090...`` and ``+150 -> 2.5``; ``+100`` and ``-100``
    are both evens (2.0). Strings such as ``"+150"`` are accepted. Values strictly between
    -100 and +100 do not exist in the format and raise ``ValueError``.
    """
    value: float
    if isinstance(american, str):
        text = american.strip()
        if not _AMERICAN_RE.match(text):
            raise ValueError(f"American price {american!r} is not a number such as +150 or -110")
        value = float(text)
    elif isinstance(american, numbers.Real) and not isinstance(american, bool):
        value = float(american)
    else:
        raise ValueError(f"American price {american!r} is not a number")
    if not math.isfinite(value) or -100.0 < value < 100.0:
        raise ValueError(f"American price {american!r} must be <= -100 or >= +100")
    return 1.0 + value / 100.0 if value > 0 else 1.0 + 100.0 / -value


def decimal_to_american(price: float) -> str:
    """American price for a decimal price, rounded to the nearest integer, with its sign.

    ``2.5 -> "+150"``, ``1.5 -> "-200"``, ``2.0 -> "+100"``. Halves round away from zero;
    the value is first rounded to 9 decimals so binary noise (``134.49999999999997``) does
    not decide which way a quoted half goes.
    """
    value = _check_price(price)
    if value >= 2.0:
        return f"+{math.floor(round((value - 1.0) * 100.0, 9) + 0.5)}"
    return f"-{math.floor(round(100.0 / (value - 1.0), 9) + 0.5)}"


_FRACTIONAL_RE = re.compile(r"^(\d+)\s*[/-]\s*(\d+)$")
_EVENS = frozenset({"evens", "evs", "even"})


def fractional_to_decimal(fractional: str) -> float:
    """Decimal price of a fractional (UK) price: ``"a/b" -> 1 + a/b``.

    ``"7/4" -> 2.75``; ``"evens"``, ``"evs"`` (any case) and ``"1/1"`` give 2.0; the
    racecard form ``"7-4"`` is accepted too. Anything else (no fraction, zero numerator or
    denominator, decimals, signs) raises ``ValueError`` naming the input.
    """
    if not isinstance(fractional, str):
        raise ValueError(f"fractional price {fractional!r} is not a string such as '7/4'")
    text = fractional.strip()
    if text.lower() in _EVENS:
        return 2.0
    match = _FRACTIONAL_RE.match(text)
    if match is None:
        raise ValueError(f"fractional price {fractional!r} is not of the form 'a/b', e.g. '7/4'")
    numerator, denominator = int(match.group(1)), int(match.group(2))
    if numerator == 0 or denominator == 0:
        raise ValueError(
            f"fractional price {fractional!r} needs a non-zero numerator and denominator"
        )
    # Exact arithmetic then one rounding, so an exact fraction of a float round-trips exactly.
    return float(1 + Fraction(numerator, denominator))


FRACTIONAL_LADDER: tuple[str, ...] = (
    # Odds-on, shortest first.
    "1/100", "1/66", "1/50", "1/40", "1/33", "1/25", "1/20", "1/16", "1/14", "1/12", "1/11",
    "1/10", "1/9", "1/8", "1/7", "2/13", "1/6", "2/11", "1/5", "2/9", "1/4", "2/7", "3/10",
    "1/3", "4/11", "2/5", "4/9", "40/85", "1/2", "8/15", "4/7", "8/13", "4/6", "8/11", "4/5",
    "5/6", "10/11",
    # Evens, printed as "1/1" so the output always parses back.
    "1/1",
    # Odds-against.
    "21/20", "11/10", "6/5", "5/4", "11/8", "6/4", "13/8", "7/4", "15/8", "2/1", "85/40",
    "9/4", "5/2", "11/4", "3/1", "10/3", "7/2", "4/1", "9/2", "5/1", "11/2", "6/1", "13/2",
    "7/1", "15/2", "8/1", "17/2", "9/1", "10/1", "11/1", "12/1", "14/1", "16/1", "18/1",
    "20/1", "22/1", "25/1", "28/1", "33/1", "40/1", "50/1", "66/1", "80/1", "100/1", "125/1",
    "150/1", "200/1", "250/1", "300/1", "400/1", "500/1", "1000/1",
)  # fmt: skip
"""The traditional UK fractional prices, shortest first, written as bookmakers print them.

Unreduced forms such as ``4/6``, ``6/4`` and ``85/40`` are kept on purpose: that is how they
appear on a betting slip. The fifths some online books added (13/10, 7/5, 8/5 ...) are not
traditional and are left out.
"""

_LADDER: tuple[tuple[float, str], ...] = tuple(
    (fractional_to_decimal(text), text) for text in FRACTIONAL_LADDER
)


def decimal_to_fractional(price: float) -> str:
    """Fractional price as a bookmaker would print it for a decimal price.

    Inside the ladder's range (1/100 to 1000/1) this is the :data:`FRACTIONAL_LADDER` entry
    nearest in decimal terms (``1.91 -> "10/11"``, ``1.83 -> "5/6"``, ``2.0 -> "1/1"``); an
    exact tie goes to the shorter price, the one promising the bettor less. Outside it, the
    exact reduced fraction of the price as written (its shortest decimal form):
    ``1.005 -> "1/200"``, ``1501.0 -> "1500/1"``.
    """
    value = _check_price(price)
    if _LADDER[0][0] <= value <= _LADDER[-1][0]:
        # min() keeps the first of equal keys, and the ladder is shortest first.
        return min(_LADDER, key=lambda entry: abs(entry[0] - value))[1]
    # repr is the shortest string that round-trips, i.e. the price as the feed quoted it.
    exact = Fraction(repr(value)) - 1
    return f"{exact.numerator}/{exact.denominator}"


def format_price(decimal_price: float, style: PriceFormat) -> str:
    """Render a decimal price in one of :data:`PRICE_FORMATS`.

    ``"decimal"`` shows two decimals (``"2.50"``), ``"fractional"`` uses
    :func:`decimal_to_fractional` and ``"american"`` :func:`decimal_to_american`.
    """
    if style not in PRICE_FORMATS:
        raise ValueError(f"unknown odds format {style!r}; expected one of {PRICE_FORMATS}")
    value = _check_price(decimal_price)
    if style == "decimal":
        return f"{value:.2f}"
    if style == "fractional":
        return decimal_to_fractional(value)
    return decimal_to_american(value)
