// (being written)
char LICENSE[] __attribute__((section("license"))) = "GPL";
