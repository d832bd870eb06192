// Neural-network ops: convolutions, padding, resampling, pooling, normalization, grid sampling.
#include "handle.h"

namespace atelier {

static Napi::Value conv2d(const Napi::CallbackInfo& info) {
  Args a(info);  // conv2d(x, w, b|null, stride, padding, dilation, groups)
  return wrap(info.Env(), at::conv2d(a.tensor(0), a.tensor(1), a.optTensor(2), a.ints(3), a.ints(4), a.ints(5), a.i64(6)));
}

static Napi::Value convTranspose2d(const Napi::CallbackInfo& info) {
  Args a(info);  // convTranspose2d(x, w, b|null, stride, padding, outputPadding, groups, dilation)
  return wrap(info.Env(), at::conv_transpose2d(a.tensor(0), a.tensor(1), a.optTensor(2), a.ints(3), a.ints(4), a.ints(5), a.i64(6), a.ints(7)));
}

static Napi::Value pad(const Napi::CallbackInfo& info) {
  Args a(info);  // pad(x, [left, right, top, bottom], mode, value)
  at::Tensor x = a.tensor(0);
  auto p = a.ints(1);
  auto mode = a.str(2);
  if (mode == "constant") return wrap(info.Env(), at::constant_pad_nd(x, p, a.scalar(3)));
  if (p.size() != 4) throw std::invalid_argument(mode + " padding takes 4 sizes [left, right, top, bottom]");
  if (x.dim() != 4 && x.dim() != 3) throw std::invalid_argument(mode + " padding needs a 3-D or 4-D tensor, got " + std::to_string(x.dim()) + "-D");
  if (mode == "reflect") {
    // libtorch asserts this in a way that reads poorly; say it plainly.
    if (p[0] >= x.size(-1) || p[1] >= x.size(-1) || p[2] >= x.size(-2) || p[3] >= x.size(-2))
      throw std::invalid_argument("reflect padding must be smaller than the padded dimension");
    return wrap(info.Env(), at::reflection_pad2d(x, p));
  }
  if (mode == "replicate") return wrap(info.Env(), at::replication_pad2d(x, p));
  throw std::invalid_argument("padding mode must be constant, reflect or replicate, got '" + mode + "'");
}

static Napi::Value interpolate(const Napi::CallbackInfo& info) {
  Args a(info);  // interpolate(x, [outH, outW], mode, alignCorners)
  at::Tensor x = a.tensor(0);
  auto size = a.ints(1);
  auto mode = a.str(2);
  if (x.dim() != 4) throw std::invalid_argument("interpolate needs a 4-D (N, C, H, W) tensor, got " + std::to_string(x.dim()) + "-D");
  if (size.size() != 2 || size[0] < 1 || size[1] < 1) throw std::invalid_argument("interpolate size must be two positive integers");
  if (mode == "nearest") return wrap(info.Env(), at::upsample_nearest2d(x, size, c10::nullopt, c10::nullopt));
  if (mode == "bilinear") return wrap(info.Env(), at::upsample_bilinear2d(x, size, a.flag(3), c10::nullopt, c10::nullopt));
  if (mode == "bicubic") return wrap(info.Env(), at::upsample_bicubic2d(x, size, a.flag(3), c10::nullopt, c10::nullopt));
  if (mode == "area") return wrap(info.Env(), at::adaptive_avg_pool2d(x, size));
  throw std::invalid_argument("interpolate mode must be nearest, bilinear, bicubic or area, got '" + mode + "'");
}

static Napi::Value pool2d(const Napi::CallbackInfo& info) {
  Args a(info);  // pool2d(mode, x, kernel, stride, padding)
  auto mode = a.str(0);
  at::Tensor x = a.tensor(1);
  auto k = a.ints(2), s = a.ints(3), p = a.ints(4);
  if (mode == "max") return wrap(info.Env(), at::max_pool2d(x, k, s, p, {1, 1}, false));
  if (mode == "avg") return wrap(info.Env(), at::avg_pool2d(x, k, s, p, false, true, c10::nullopt));
  throw std::invalid_argument("pool mode must be max or avg");
}

static Napi::Value instanceNorm(const Napi::CallbackInfo& info) {
  Args a(info);  // instanceNorm(x, weight|null, bias|null, eps)
  at::Tensor x = a.tensor(0);
  if (x.dim() < 3) throw std::invalid_argument("instance norm needs (N, C, ...) input, got " + std::to_string(x.dim()) + "-D");
  return wrap(info.Env(), at::instance_norm(x, a.optTensor(1), a.optTensor(2), {}, {}, true, 0.0, a.num(3), false));
}

static Napi::Value batchNorm(const Napi::CallbackInfo& info) {
  Args a(info);  // batchNorm(x, weight|null, bias|null, runningMean|null, runningVar|null, training, momentum, eps)
  return wrap(info.Env(), at::batch_norm(a.tensor(0), a.optTensor(1), a.optTensor(2), a.optTensor(3), a.optTensor(4), a.flag(5), a.num(6), a.num(7), false));
}

static Napi::Value gridSample(const Napi::CallbackInfo& info) {
  Args a(info);  // gridSample(x, grid, mode, paddingMode, alignCorners)
  at::Tensor x = a.tensor(0), grid = a.tensor(1);
  auto mode = a.str(2), padding = a.str(3);
  int64_t m = mode == "bilinear" ? 0 : mode == "nearest" ? 1 : mode == "bicubic" ? 2 : -1;
  int64_t p = padding == "zeros" ? 0 : padding == "border" ? 1 : padding == "reflection" ? 2 : -1;
  if (m < 0) throw std::invalid_argument("grid sample mode must be bilinear, nearest or bicubic");
  if (p < 0) throw std::invalid_argument("grid sample padding must be zeros, border or reflection");
  if (x.dim() != 4 || grid.dim() != 4 || grid.size(3) != 2 || grid.size(0) != x.size(0))
    throw std::invalid_argument("grid sample needs input (N, C, H, W) and grid (N, H', W', 2)");
  return wrap(info.Env(), at::grid_sampler(x, grid, m, p, a.flag(4)));
}

static Napi::Value dropout(const Napi::CallbackInfo& info) {
  Args a(info);  // dropout(x, p, training)
  return wrap(info.Env(), at::dropout(a.tensor(0), a.num(1), a.flag(2)));
}

void initNN(Napi::Env env, Napi::Object exports) {
  ATELIER_EXPORT(exports, "conv2d", conv2d);
  ATELIER_EXPORT(exports, "convTranspose2d", convTranspose2d);
  ATELIER_EXPORT(exports, "pad", pad);
  ATELIER_EXPORT(exports, "interpolate", interpolate);
  ATELIER_EXPORT(exports, "pool2d", pool2d);
  ATELIER_EXPORT(exports, "instanceNorm", instanceNorm);
  ATELIER_EXPORT(exports, "batchNorm", batchNorm);
  ATELIER_EXPORT(exports, "gridSample", gridSample);
  ATELIER_EXPORT(exports, "dropout", dropout);
}

}  // namespace atelier
