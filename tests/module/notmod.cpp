// A shared object that is not a hostbpf module (no entry point).
extern "C" int notmod_function() { return 1; }
