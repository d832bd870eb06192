// Views and layout: reshape, permute, slicing, indexing, concatenation.
#include "handle.h"

namespace atelier {

static Napi::Value reshape(const Napi::CallbackInfo& info) {
  Args a(info);
  return wrap(info.Env(), a.tensor(0).reshape(a.ints(1)));
}
static Napi::Value permute(const Napi::CallbackInfo& info) {
  Args a(info);
  return wrap(info.Env(), a.tensor(0).permute(a.ints(1)));
}
static Napi::Value transpose(const Napi::CallbackInfo& info) {
  Args a(info);
  return wrap(info.Env(), a.tensor(0).transpose(a.i64(1), a.i64(2)));
}
static Napi::Value contiguous(const Napi::CallbackInfo& info) {
  Args a(info);
  return wrap(info.Env(), a.tensor(0).contiguous());
}
static Napi::Value expand(const Napi::CallbackInfo& info) {
  Args a(info);
  return wrap(info.Env(), a.tensor(0).expand(a.ints(1)));
}
static Napi::Value squeeze(const Napi::CallbackInfo& info) {
  Args a(info);  // squeeze(x, dim|null)
  return wrap(info.Env(), a.isNullish(1) ? a.tensor(0).squeeze() : a.tensor(0).squeeze(a.i64(1)));
}
static Napi::Value unsqueeze(const Napi::CallbackInfo& info) {
  Args a(info);
  return wrap(info.Env(), a.tensor(0).unsqueeze(a.i64(1)));
}
static Napi::Value flatten(const Napi::CallbackInfo& info) {
  Args a(info);
  return wrap(info.Env(), a.tensor(0).flatten(a.i64(1), a.i64(2)));
}
static Napi::Value slice(const Napi::CallbackInfo& info) {
  Args a(info);  // slice(x, dim, start, end, step)
  return wrap(info.Env(), a.tensor(0).slice(a.i64(1), a.i64(2), a.i64(3), a.i64(4)));
}
static Napi::Value indexSelect(const Napi::CallbackInfo& info) {
  Args a(info);  // indexSelect(x, dim, index)
  return wrap(info.Env(), a.tensor(0).index_select(a.i64(1), a.tensor(2)));
}
static Napi::Value gather(const Napi::CallbackInfo& info) {
  Args a(info);  // gather(x, dim, index)
  return wrap(info.Env(), a.tensor(0).gather(a.i64(1), a.tensor(2)));
}
static Napi::Value maskedSelect(const Napi::CallbackInfo& info) {
  Args a(info);
  return wrap(info.Env(), a.tensor(0).masked_select(a.tensor(1)));
}
static Napi::Value cat(const Napi::CallbackInfo& info) {
  Args a(info);  // cat(tensors, dim)
  auto ts = a.tensors(0);
  if (ts.empty()) throw std::invalid_argument("cat needs at least one tensor");
  return wrap(info.Env(), at::cat(ts, a.i64(1)));
}
static Napi::Value stack(const Napi::CallbackInfo& info) {
  Args a(info);
  auto ts = a.tensors(0);
  if (ts.empty()) throw std::invalid_argument("stack needs at least one tensor");
  return wrap(info.Env(), at::stack(ts, a.i64(1)));
}
static Napi::Value repeat(const Napi::CallbackInfo& info) {
  Args a(info);
  return wrap(info.Env(), a.tensor(0).repeat(a.ints(1)));
}
static Napi::Value flip(const Napi::CallbackInfo& info) {
  Args a(info);
  return wrap(info.Env(), a.tensor(0).flip(a.ints(1)));
}
static Napi::Value roll(const Napi::CallbackInfo& info) {
  Args a(info);  // roll(x, shifts, dims)
  return wrap(info.Env(), a.tensor(0).roll(a.ints(1), a.ints(2)));
}
static Napi::Value clone(const Napi::CallbackInfo& info) {
  Args a(info);
  return wrap(info.Env(), a.tensor(0).clone());
}
static Napi::Value detach(const Napi::CallbackInfo& info) {
  Args a(info);
  return wrap(info.Env(), a.tensor(0).detach());
}

void initShape(Napi::Env env, Napi::Object exports) {
  ATELIER_EXPORT(exports, "reshape", reshape);
  ATELIER_EXPORT(exports, "permute", permute);
  ATELIER_EXPORT(exports, "transpose", transpose);
  ATELIER_EXPORT(exports, "contiguous", contiguous);
  ATELIER_EXPORT(exports, "expand", expand);
  ATELIER_EXPORT(exports, "squeeze", squeeze);
  ATELIER_EXPORT(exports, "unsqueeze", unsqueeze);
  ATELIER_EXPORT(exports, "flatten", flatten);
  ATELIER_EXPORT(exports, "slice", slice);
  ATELIER_EXPORT(exports, "indexSelect", indexSelect);
  ATELIER_EXPORT(exports, "gather", gather);
  ATELIER_EXPORT(exports, "maskedSelect", maskedSelect);
  ATELIER_EXPORT(exports, "cat", cat);
  ATELIER_EXPORT(exports, "stack", stack);
  ATELIER_EXPORT(exports, "repeat", repeat);
  ATELIER_EXPORT(exports, "flip", flip);
  ATELIER_EXPORT(exports, "roll", roll);
  ATELIER_EXPORT(exports, "clone", clone);
  ATELIER_EXPORT(exports, "detach", detach);
}

}  // namespace atelier
