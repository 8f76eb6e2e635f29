/* A small host program whose DWARF pahole turns into a detached BTF blob
   (pahole --btf_encode_detached), the path for hosts that describe their types
   from debug info instead of registering them in C++. */
struct point {
  int x;
  long y;
};

struct point origin;

int point_x(struct point *p) { return p->x; }
