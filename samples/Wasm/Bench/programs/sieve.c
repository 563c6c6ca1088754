// Sieve of Eratosthenes: the number of primes below n (at most 4,000,000), counted `reps` times.
#define MAX 4000000
static unsigned char composite[MAX];

__attribute__((export_name("run"))) int run(int n, int reps) {
    int count = 0;
    if (n > MAX) n = MAX;
    for (int r = 0; r < reps; r++) {
        for (int i = 0; i < n; i++) composite[i] = 0;
        count = 0;
        for (int i = 2; i < n; i++) {
            if (composite[i]) continue;
            count++;
            for (long long j = (long long)i * i; j < n; j += i) composite[j] = 1;
        }
    }
    return count;
}
