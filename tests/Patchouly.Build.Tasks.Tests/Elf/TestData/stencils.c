// Patchouly ELF reader test stencils: tail calls, holes, a jump table, an indirect call, a string, data.
#include <stdint.h>
#define PN __attribute__((preserve_none))
typedef uint64_t (*helper_fn)(uint64_t);
extern PN void patchouly_next(uint64_t *fp, uint64_t r0, uint64_t r1, uint64_t r2);
extern PN void patchouly_other(uint64_t *fp, uint64_t r0, uint64_t r1, uint64_t r2);
extern char H0[] __attribute__((weak, visibility("hidden"), section(".data.patchouly")));
extern char W0[] __attribute__((weak, visibility("hidden"), section(".ldata.patchouly")));
extern char W1[] __attribute__((weak, visibility("hidden"), section(".ldata.patchouly")));
uint64_t patchouly_counter = 5;
uint64_t patchouly_zeroed[4];

PN void add_narrow(uint64_t *fp, uint64_t r0, uint64_t r1, uint64_t r2)
{
    r1 = r0 + (uint64_t)(uintptr_t)H0;
    [[clang::musttail]] return patchouly_next(fp, r0, r1, r2);
}

PN void add_wide(uint64_t *fp, uint64_t r0, uint64_t r1, uint64_t r2)
{
    r1 = r0 + (uint64_t)(uintptr_t)W0;
    [[clang::musttail]] return patchouly_next(fp, r0, r1, r2);
}

PN void call_indirect(uint64_t *fp, uint64_t r0, uint64_t r1, uint64_t r2)
{
    helper_fn f = (helper_fn)(uintptr_t)fp[(uint64_t)(uintptr_t)W1];
    r1 = f(r0);
    [[clang::musttail]] return patchouly_next(fp, r0, r1, r2);
}

PN void switch_table(uint64_t *fp, uint64_t r0, uint64_t r1, uint64_t r2)
{
    switch (r0)
    {
        case 0: r1 = 11; break;
        case 1: r1 = r2 * 3; break;
        case 2: r1 = r2 ^ 77; break;
        case 3: r1 = r2 << 5; break;
        case 4: r1 = r2 - 99; break;
        case 5: r1 = 1234567; break;
        default: [[clang::musttail]] return patchouly_other(fp, r0, r1, r2);
    }
    [[clang::musttail]] return patchouly_next(fp, r0, r1, r2);
}

PN void string_and_data(uint64_t *fp, uint64_t r0, uint64_t r1, uint64_t r2)
{
    r1 = (uint64_t)(uintptr_t)"hello, patchouly";
    r2 = patchouly_counter++ + patchouly_zeroed[r0 & 3];
    [[clang::musttail]] return patchouly_next(fp, r0, r1, r2);
}
