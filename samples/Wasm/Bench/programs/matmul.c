// Dense matrix multiply of two n x n double matrices (n at most 256), `reps` times; returns a checksum.
#define MAX 256
static double a[MAX * MAX], b[MAX * MAX], c[MAX * MAX];

__attribute__((export_name("run"))) long long run(int n, int reps) {
    if (n > MAX) n = MAX;
    for (int i = 0; i < n * n; i++) { a[i] = (i % 17) * 0.25 - 1.0; b[i] = (i % 13) * 0.5 + 0.125; }
    double sum = 0;
    for (int r = 0; r < reps; r++) {
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
                c[i * n + j] = s;
            }
        sum += c[(r * 7) % (n * n)];
        a[r % (n * n)] += 1.0;
    }
    return (long long)(sum * 1000.0);
}
