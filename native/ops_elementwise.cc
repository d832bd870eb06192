// Elementwise arithmetic (with broadcasting), activations, reductions, matmul, sort, eigh, losses,
// and the few in-place updates optimizers need.
#include "handle.h"
#include <functional>
#include <unordered_map>

namespace atelier {

using T = at::Tensor;

static const std::unordered_map<std::string, std::function<T(const T&)>>& unaryOps() {
  static const std::unordered_map<std::string, std::function<T(const T&)>> ops = {
      {"neg", [](const T& x) { return x.neg(); }},
      {"abs", [](const T& x) { return x.abs(); }},
      {"exp", [](const T& x) { return x.exp(); }},
      {"log", [](const T& x) { return x.log(); }},
      {"log1p", [](const T& x) { return x.log1p(); }},
      {"sqrt", [](const T& x) { return x.sqrt(); }},
      {"rsqrt", [](const T& x) { return x.rsqrt(); }},
      {"square", [](const T& x) { return x.square(); }},
      {"reciprocal", [](const T& x) { return x.reciprocal(); }},
      {"sin", [](const T& x) { return x.sin(); }},
      {"cos", [](const T& x) { return x.cos(); }},
      {"tanh", [](const T& x) { return x.tanh(); }},
      {"sigmoid", [](const T& x) { return x.sigmoid(); }},
      {"relu", [](const T& x) { return x.relu(); }},
      {"gelu", [](const T& x) { return at::gelu(x); }},
      {"silu", [](const T& x) { return at::silu(x); }},
      {"softplus", [](const T& x) { return at::softplus(x); }},
      {"sign", [](const T& x) { return x.sign(); }},
      {"floor", [](const T& x) { return x.floor(); }},
      {"ceil", [](const T& x) { return x.ceil(); }},
      {"round", [](const T& x) { return x.round(); }},
      {"logicalNot", [](const T& x) { return x.logical_not(); }},
      {"isnan", [](const T& x) { return x.isnan(); }},
      {"isfinite", [](const T& x) { return x.isfinite(); }},
  };
  return ops;
}

static const std::unordered_map<std::string, std::function<T(const T&, const T&)>>& binaryOps() {
  static const std::unordered_map<std::string, std::function<T(const T&, const T&)>> ops = {
      {"add", [](const T& a, const T& b) { return a.add(b); }},
      {"sub", [](const T& a, const T& b) { return a.sub(b); }},
      {"mul", [](const T& a, const T& b) { return a.mul(b); }},
      {"div", [](const T& a, const T& b) { return a.div(b); }},
      {"pow", [](const T& a, const T& b) { return a.pow(b); }},
      {"maximum", [](const T& a, const T& b) { return at::maximum(a, b); }},
      {"minimum", [](const T& a, const T& b) { return at::minimum(a, b); }},
      {"atan2", [](const T& a, const T& b) { return at::atan2(a, b); }},
      {"remainder", [](const T& a, const T& b) { return at::remainder(a, b); }},
      {"eq", [](const T& a, const T& b) { return a.eq(b); }},
      {"ne", [](const T& a, const T& b) { return a.ne(b); }},
      {"lt", [](const T& a, const T& b) { return a.lt(b); }},
      {"le", [](const T& a, const T& b) { return a.le(b); }},
      {"gt", [](const T& a, const T& b) { return a.gt(b); }},
      {"ge", [](const T& a, const T& b) { return a.ge(b); }},
      {"logicalAnd", [](const T& a, const T& b) { return a.logical_and(b); }},
      {"logicalOr", [](const T& a, const T& b) { return a.logical_or(b); }},
  };
  return ops;
}

static Napi::Value unary(const Napi::CallbackInfo& info) {
  Args a(info);  // unary(name, x)
  auto name = a.str(0);
  auto& ops = unaryOps();
  auto it = ops.find(name);
  if (it == ops.end()) throw std::invalid_argument("unknown unary op '" + name + "'");
  return wrap(info.Env(), it->second(a.tensor(1)));
}

static Napi::Value binary(const Napi::CallbackInfo& info) {
  Args a(info);  // binary(name, a, b, scalarMask): bit 0 = a is a number, bit 1 = b is a number
  auto name = a.str(0);
  auto& ops = binaryOps();
  auto it = ops.find(name);
  if (it == ops.end()) throw std::invalid_argument("unknown binary op '" + name + "'");
  int64_t mask = a.i64(3);
  if (mask < 0 || mask > 2) throw std::invalid_argument("a binary op needs at least one tensor operand");
  at::Device device = (mask & 1) ? a.tensor(2).device() : a.tensor(1).device();
  return wrap(info.Env(), it->second(a.tensorOrScalar(1, mask & 1, device), a.tensorOrScalar(2, mask & 2, device)));
}

static Napi::Value leakyRelu(const Napi::CallbackInfo& info) {
  Args a(info);
  return wrap(info.Env(), at::leaky_relu(a.tensor(0), a.scalar(1)));
}

static Napi::Value clamp(const Napi::CallbackInfo& info) {
  Args a(info);  // clamp(x, min|null, max|null)
  c10::optional<at::Scalar> lo, hi;
  if (!a.isNullish(1)) lo = a.scalar(1);
  if (!a.isNullish(2)) hi = a.scalar(2);
  if (!lo && !hi) return wrap(info.Env(), a.tensor(0).clone());
  return wrap(info.Env(), at::clamp(a.tensor(0), lo, hi));
}

static Napi::Value where(const Napi::CallbackInfo& info) {
  Args a(info);  // where(cond, a, b, scalarMask)
  at::Tensor cond = a.tensor(0);
  int64_t mask = a.i64(3);
  return wrap(info.Env(), at::where(cond, a.tensorOrScalar(1, mask & 1, cond.device()), a.tensorOrScalar(2, mask & 2, cond.device())));
}

// reduce(name, x, dims|null, keepdim): sum, mean, amax, amin, prod(single dim), var, std, logsumexp
static Napi::Value reduce(const Napi::CallbackInfo& info) {
  Args a(info);
  auto name = a.str(0);
  at::Tensor x = a.tensor(1);
  bool all = a.isNullish(2);
  std::vector<int64_t> dims = all ? std::vector<int64_t>{} : a.ints(2);
  bool keep = a.isNullish(3) ? false : a.flag(3);
  if (all) {
    dims.resize(x.dim());
    for (int64_t i = 0; i < x.dim(); i++) dims[i] = i;
  }
  T r;
  if (name == "sum") r = all && !keep ? x.sum() : x.sum(dims, keep);
  else if (name == "mean") r = all && !keep ? x.mean() : x.mean(dims, keep);
  else if (name == "amax") r = x.amax(dims, keep);
  else if (name == "amin") r = x.amin(dims, keep);
  else if (name == "var") r = x.var(at::OptionalIntArrayRef(dims), /*unbiased=*/false, keep);
  else if (name == "varUnbiased") r = x.var(at::OptionalIntArrayRef(dims), /*unbiased=*/true, keep);
  else if (name == "std") r = x.std(at::OptionalIntArrayRef(dims), /*unbiased=*/false, keep);
  else if (name == "logsumexp") r = at::logsumexp(x, dims, keep);
  else throw std::invalid_argument("unknown reduction '" + name + "'");
  return wrap(info.Env(), r);
}

static Napi::Value argmax(const Napi::CallbackInfo& info) {
  Args a(info);  // argmax(x, dim, keepdim)
  return wrap(info.Env(), at::argmax(a.tensor(0), a.i64(1), a.flag(2)));
}

static Napi::Value softmax(const Napi::CallbackInfo& info) {
  Args a(info);  // softmax(x, dim, log)
  return wrap(info.Env(), a.flag(2) ? at::log_softmax(a.tensor(0), a.i64(1)) : at::softmax(a.tensor(0), a.i64(1)));
}

static Napi::Value matmul(const Napi::CallbackInfo& info) {
  Args a(info);
  return wrap(info.Env(), at::matmul(a.tensor(0), a.tensor(1)));
}

static Napi::Value addmm(const Napi::CallbackInfo& info) {
  Args a(info);  // addmm(bias, m1, m2, alpha): bias + alpha * m1 @ m2 in one pass over the result
  return wrap(info.Env(), at::addmm(a.tensor(0), a.tensor(1), a.tensor(2), 1, a.num(3)));
}

static Napi::Value maxAlong(const Napi::CallbackInfo& info) {
  Args a(info);  // maxAlong(x, dim, keepdim) -> [values, indices]: one pass where amax and argmax take two
  auto r = at::max(a.tensor(0), a.i64(1), a.flag(2));
  return wrapAll(info.Env(), {std::get<0>(r), std::get<1>(r)});
}

static Napi::Value sort(const Napi::CallbackInfo& info) {
  Args a(info);  // sort(x, dim, descending) -> [values, indices]
  auto r = at::sort(a.tensor(0), a.i64(1), a.flag(2));
  return wrapAll(info.Env(), {std::get<0>(r), std::get<1>(r)});
}

static Napi::Value eigh(const Napi::CallbackInfo& info) {
  Args a(info);  // eigh(x) -> [eigenvalues ascending, eigenvectors as columns]; x symmetric (its lower triangle is read)
  auto r = at::linalg_eigh(a.tensor(0));
  return wrapAll(info.Env(), {std::get<0>(r), std::get<1>(r)});
}

static Napi::Value loss(const Napi::CallbackInfo& info) {
  Args a(info);  // loss(name, input, target, reduction)
  auto name = a.str(0);
  auto red = a.str(3);
  int64_t r = red == "mean" ? at::Reduction::Mean : red == "sum" ? at::Reduction::Sum : red == "none" ? at::Reduction::None : -1;
  if (r < 0) throw std::invalid_argument("reduction must be mean, sum or none");
  if (name == "l1") return wrap(info.Env(), at::l1_loss(a.tensor(1), a.tensor(2), r));
  if (name == "mse") return wrap(info.Env(), at::mse_loss(a.tensor(1), a.tensor(2), r));
  if (name == "smoothL1") return wrap(info.Env(), at::smooth_l1_loss(a.tensor(1), a.tensor(2), r, 1.0));
  if (name == "bceWithLogits") return wrap(info.Env(), at::binary_cross_entropy_with_logits(a.tensor(1), a.tensor(2), {}, {}, r));
  throw std::invalid_argument("unknown loss '" + name + "'");
}

// In-place updates used by optimizers, outside autograd. inplace(name, target, ...).
static Napi::Value inplace(const Napi::CallbackInfo& info) {
  Args a(info);
  at::NoGradGuard noGrad;
  auto name = a.str(0);
  at::Tensor t = a.tensor(1);
  if (name == "mul") t.mul_(a.tensor(2));
  else if (name == "mulScalar") t.mul_(a.scalar(2));
  else if (name == "add") t.add_(a.tensor(2), a.scalar(3));
  else if (name == "addScalar") t.add_(a.scalar(2));
  else if (name == "addcmul") t.addcmul_(a.tensor(2), a.tensor(3), a.scalar(4));
  else if (name == "addcdiv") t.addcdiv_(a.tensor(2), a.tensor(3), a.scalar(4));
  else if (name == "copy") t.copy_(a.tensor(2));
  else if (name == "fill") t.fill_(a.scalar(2));
  else if (name == "clampMin") t.clamp_min_(a.scalar(2));
  else throw std::invalid_argument("unknown in-place op '" + name + "'");
  return info.Env().Undefined();
}

void initElementwise(Napi::Env env, Napi::Object exports) {
  ATELIER_EXPORT(exports, "unary", unary);
  ATELIER_EXPORT(exports, "binary", binary);
  ATELIER_EXPORT(exports, "leakyRelu", leakyRelu);
  ATELIER_EXPORT(exports, "clamp", clamp);
  ATELIER_EXPORT(exports, "where", where);
  ATELIER_EXPORT(exports, "reduce", reduce);
  ATELIER_EXPORT(exports, "argmax", argmax);
  ATELIER_EXPORT(exports, "softmax", softmax);
  ATELIER_EXPORT(exports, "matmul", matmul);
  ATELIER_EXPORT(exports, "addmm", addmm);
  ATELIER_EXPORT(exports, "maxAlong", maxAlong);
  ATELIER_EXPORT(exports, "sort", sort);
  ATELIER_EXPORT(exports, "eigh", eigh);
  ATELIER_EXPORT(exports, "loss", loss);
  ATELIER_EXPORT(exports, "inplace", inplace);
}

}  // namespace atelier
