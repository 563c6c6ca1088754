// The longest Collatz chain among the starting values below n: returns the starting value * 1000 + its length.
__attribute__((export_name("run"))) long long run(int n, int unused) {
    (void)unused;
    long long best = 0, bestStart = 0;
    for (long long s = 1; s < n; s++) {
        long long x = s, len = 1;
        while (x != 1) { x = (x & 1) ? 3 * x + 1 : x >> 1; len++; }
        if (len > best) { best = len; bestStart = s; }
    }
    return bestStart * 1000 + best;
}
