// Murmur3-style 32-bit hashing of a 64 KiB buffer filled by a xorshift generator, `reps` times.
static unsigned int buf[16384];

static unsigned int rotl(unsigned int x, int r) { return (x << r) | (x >> (32 - r)); }

__attribute__((export_name("run"))) int run(int reps, int seed) {
    unsigned int x = (unsigned int)seed | 1, h = 0;
    for (int i = 0; i < 16384; i++) { x ^= x << 13; x ^= x >> 17; x ^= x << 5; buf[i] = x; }
    for (int r = 0; r < reps; r++) {
        h ^= (unsigned int)r;
        for (int i = 0; i < 16384; i++) {
            unsigned int k = buf[i] * 0xcc9e2d51u;
            k = rotl(k, 15) * 0x1b873593u;
            h = rotl(h ^ k, 13) * 5 + 0xe6546b64u;
        }
        h ^= h >> 16; h *= 0x85ebca6bu; h ^= h >> 13;
    }
    return (int)h;
}
