// Autograd: requires_grad, backward, .grad, and the thread-local grad mode behind no-grad scopes.
#include "handle.h"

namespace atelier {

static Napi::Value setRequiresGrad(const Napi::CallbackInfo& info) {
  Args a(info);
  at::Tensor t = a.tensor(0);
  bool on = a.flag(1);
  if (on && !t.is_floating_point()) throw std::invalid_argument("only floating-point tensors can require gradients, this one is " + dtypeName(t.scalar_type()));
  t.set_requires_grad(on);
  return info.Env().Undefined();
}

static Napi::Value backward(const Napi::CallbackInfo& info) {
  Args a(info);  // backward(t, gradient|null)
  at::Tensor t = a.tensor(0);
  if (!t.requires_grad()) throw std::invalid_argument("backward() on a tensor that does not require grad (no parameter took part in computing it, or it was computed under noGrad)");
  auto g = a.optTensor(1);
  if (!g && t.numel() != 1) throw std::invalid_argument("backward() without a gradient needs a scalar, this tensor has " + std::to_string(t.numel()) + " elements");
  t.backward(g ? *g : at::Tensor());
  return info.Env().Undefined();
}

static Napi::Value grad(const Napi::CallbackInfo& info) {
  Args a(info);
  at::Tensor g = a.tensor(0).grad();
  if (!g.defined()) return info.Env().Null();
  return wrap(info.Env(), g);
}

static Napi::Value clearGrad(const Napi::CallbackInfo& info) {
  Args a(info);
  a.tensor(0).mutable_grad() = at::Tensor();
  return info.Env().Undefined();
}

static Napi::Value setGradEnabled(const Napi::CallbackInfo& info) {
  Args a(info);  // returns the previous mode so TypeScript can restore it
  bool prev = at::GradMode::is_enabled();
  at::GradMode::set_enabled(a.flag(0));
  return Napi::Boolean::New(info.Env(), prev);
}

static Napi::Value isGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled());
}

void initAutograd(Napi::Env env, Napi::Object exports) {
  ATELIER_EXPORT(exports, "setRequiresGrad", setRequiresGrad);
  ATELIER_EXPORT(exports, "backward", backward);
  ATELIER_EXPORT(exports, "grad", grad);
  ATELIER_EXPORT(exports, "clearGrad", clearGrad);
  ATELIER_EXPORT(exports, "setGradEnabled", setGradEnabled);
  ATELIER_EXPORT(exports, "isGradEnabled", isGradEnabled);
}

}  // namespace atelier
