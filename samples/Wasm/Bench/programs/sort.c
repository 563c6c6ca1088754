// Quicksort (median of three, insertion sort for small ranges) of n pseudo-random ints (n at most 1,000,000), `reps` times.
#define MAX 1000000
static int data[MAX];

static void isort(int *a, int lo, int hi) {
    for (int i = lo + 1; i <= hi; i++) { int v = a[i], j = i - 1; while (j >= lo && a[j] > v) { a[j + 1] = a[j]; j--; } a[j + 1] = v; }
}

static void qsort_(int *a, int lo, int hi) {
    while (hi - lo > 16) {
        int mid = lo + (hi - lo) / 2;
        int x = a[lo], y = a[mid], z = a[hi];
        int p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < p) i++;
            while (a[j] > p) j--;
            if (i <= j) { int t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
        }
        if (j - lo < hi - i) { qsort_(a, lo, j); lo = i; } else { qsort_(a, i, hi); hi = j; }
    }
    isort(a, lo, hi);
}

__attribute__((export_name("run"))) long long run(int n, int reps) {
    if (n > MAX) n = MAX;
    long long check = 0;
    unsigned int x = 12345;
    for (int r = 0; r < reps; r++) {
        for (int i = 0; i < n; i++) { x = x * 1103515245u + 12345u; data[i] = (int)(x >> 1); }
        qsort_(data, 0, n - 1);
        for (int i = 0; i < n; i += 997) check += data[i] % 1000;
    }
    return check;
}
