// Native limit: the benchmark's C compiled with clang -O2 for x86-64. Built as
//   clang-19 -O2 -DPROGRAM='"sieve.c"' native_main.c; ./a.out ARG0 ARG1 RUNS
// prints the best run time in ms and the result.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#define export_name(x) used
#include PROGRAM

int main(int argc, char **argv) {
    int a = atoi(argv[1]), b = atoi(argv[2]), runs = atoi(argv[3]);
    double best = 1e300;
    long long result = 0;
    for (int i = 0; i < runs; i++) {
        struct timespec s, e;
        clock_gettime(CLOCK_MONOTONIC, &s);
        result = (long long)run(a, b);
        clock_gettime(CLOCK_MONOTONIC, &e);
        double ms = (e.tv_sec - s.tv_sec) * 1e3 + (e.tv_nsec - s.tv_nsec) / 1e6;
        if (ms < best) best = ms;
    }
    printf("%.3f %lld\n", best, result);
    return 0;
}
