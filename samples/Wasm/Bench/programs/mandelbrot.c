// Points of an n x n grid over [-2, 0.5] x [-1.25, 1.25] in the Mandelbrot set (at most 200 iterations).
__attribute__((export_name("run"))) int run(int n, int unused) {
    (void)unused;
    int inside = 0;
    for (int py = 0; py < n; py++) {
        double ci = -1.25 + 2.5 * py / n;
        for (int px = 0; px < n; px++) {
            double cr = -2.0 + 2.5 * px / n, zr = 0, zi = 0;
            int k = 0;
            while (k < 200 && zr * zr + zi * zi <= 4.0) { double t = zr * zr - zi * zi + cr; zi = 2 * zr * zi + ci; zr = t; k++; }
            if (k == 200) inside++;
        }
    }
    return inside;
}
