// Global data of every kind: .data, .rodata, .bss, custom .data.* and
// .rodata.* sections, static variables and string literals.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int counter = 42;                                // .data
static int hidden_counter = 5;                   // .data, static
const volatile int limit = 7;                    // .rodata
const char greeting[] = "hello, world";          // .rodata
int zeroed;                                      // .bss
long zero_array[16];                             // .bss
int foo_val SEC(".data.foo") = 0x1234;           // custom data section
const volatile int bar_val SEC(".rodata.bar") = 0x5678;  // custom read-only section

SEC("syscall") int use_globals(void *ctx) {
  counter++;
  hidden_counter += counter;
  zeroed += limit;
  zero_array[3] = hidden_counter;
  foo_val += bar_val;
  bpf_printk("counter %d", counter);
  bpf_trace_printk("a literal string\n", sizeof("a literal string\n"));
  return greeting[counter & 7] + zero_array[5];
}

char LICENSE[] SEC("license") = "GPL";
