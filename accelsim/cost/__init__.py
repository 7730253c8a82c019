"""Cost model: counts times prices. Tables hold the cited numbers, scaling the rules, price the sums."""
