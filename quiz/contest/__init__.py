"""Contest rules: contests, rounds, attempts, drawing, ranking, prizes, statistics and their counters,
suspicious patterns.

No Flask here."""
