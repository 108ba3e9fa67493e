"""The ledger core: the only code that reads `Movement.amount`, checks the money rules and appends movements.

- `expressions`: the signed-amount, total-value, held and standing-as-at SQL expressions, once.
- `figures`: the sums over movements that balances, reports, deadlines, forecast and exports compose from.
- `state`: a contribution's running sums at a date (`LedgerState`) and the figures derived from them.
- `rules`: the money rules, one list of pure checks over a state.
- `locks`: the one global lock order every check-then-write takes.
- `writer`: the one function that appends a movement and the one that appends a reversal.
- `rollup`: each contribution's stage figures as dated deltas and monthly sums, kept as the ledger is written.
"""
