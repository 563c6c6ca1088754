// Object-reader test source for every format (no section names, no assembly): tail calls, holes as addresses of
// extern symbols, an indirect call, a jump table, a string, data, bss, a static helper and a weak declaration.
#include <stdint.h>
#define PN __attribute__((preserve_none))
typedef uint64_t (*helper_fn)(uint64_t);
extern PN void patchouly_next(uint64_t *fp, uint64_t r0, uint64_t r1, uint64_t r2);
extern PN void patchouly_other(uint64_t *fp, uint64_t r0, uint64_t r1, uint64_t r2);
extern char H0[];
extern char W0[];
extern char W1[];
extern char maybe[] __attribute__((weak));
uint64_t patchouly_counter = 5;
uint64_t patchouly_zeroed[4];
static const uint64_t patchouly_table[5] = { 3, 1, 4, 1, 5 };

PN void add_narrow(uint64_t *fp, uint64_t r0, uint64_t r1, uint64_t r2)
{
    r1 = r0 + (uint64_t)(uintptr_t)H0;
    [[clang::musttail]] return patchouly_next(fp, r0, r1, r2);
}

PN void add_wide(uint64_t *fp, uint64_t r0, uint64_t r1, uint64_t r2)
{
    r1 = r0 + (uint64_t)(uintptr_t)&W0[8];
    [[clang::musttail]] return patchouly_next(fp, r0, r1, r2);
}

PN void call_indirect(uint64_t *fp, uint64_t r0, uint64_t r1, uint64_t r2)
{
    helper_fn f = (helper_fn)(uintptr_t)fp[(uint64_t)(uintptr_t)W1];
    r1 = f(r0);
    [[clang::musttail]] return patchouly_next(fp, r0, r1, r2);
}

static __attribute__((noinline)) uint64_t helper(uint64_t x) { return x * 2654435761u ^ (x >> 7); }

PN void switch_table(uint64_t *fp, uint64_t r0, uint64_t r1, uint64_t r2)
{
    switch (r0)
    {
        case 0: r1 = 11; break;
        case 1: r1 = r2 * 3; break;
        case 2: r1 = r2 ^ 77; break;
        case 3: r1 = helper(r2); break;
        case 4: r1 = r2 - 99; break;
        case 5: r1 = 1234567; break;
        default: [[clang::musttail]] return patchouly_other(fp, r0, r1, r2);
    }
    [[clang::musttail]] return patchouly_next(fp, r0, r1, r2);
}

PN void string_and_data(uint64_t *fp, uint64_t r0, uint64_t r1, uint64_t r2)
{
    r1 = (uint64_t)(uintptr_t)"hello, patchouly" + patchouly_table[r2 % 5];
    r2 = patchouly_counter++ + patchouly_zeroed[r0 & 3] + (uint64_t)(uintptr_t)maybe;
    [[clang::musttail]] return patchouly_next(fp, r0, r1, r2);
}
