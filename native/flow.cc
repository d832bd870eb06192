// The flow addon (atelier_flow): dense optical flow on 8-bit grey frames, OpenCV's DIS (Kroeger et
// al. 2016), what renders follow, and Farnebäck's polynomial expansion (2003), a second method
// benchmarks measure coherence along. A module of its own, apart from the libtorch addon: the tensor
// engine never loads OpenCV (nor its BLAS and protobuf beside another libtorch's), and builds where
// OpenCV is not installed (a CUDA workstation's libtorch). Loaded by src/engine/flow.ts.
#include <napi.h>
#include <opencv2/video/tracking.hpp>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

namespace atelier_flow {

// Argument i as an integer (src/engine/flow.ts checks them first; this guards the native side).
static int64_t intArg(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw std::invalid_argument("optical flow argument " + std::to_string(i) + " must be a number");
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9e15) throw std::invalid_argument("optical flow argument " + std::to_string(i) + " must be an integer");
  return static_cast<int64_t>(v);
}

// disFlow(prev: Uint8Array, next: Uint8Array, width, height, preset) -> Float32Array (H*W*2, dx dy)
// Checks two grey frames of width x height; copies them (OpenCV reads them, and a GC move of the
// JS buffers must not race it).
static void greyPair(const Napi::CallbackInfo& info, cv::Mat& a0, cv::Mat& a1, size_t& n) {
  if (!info[0].IsTypedArray() || !info[1].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw Napi::TypeError::New(info.Env(), "optical flow needs two Uint8Array grey frames");
  auto prev = info[0].As<Napi::Uint8Array>();
  auto next = info[1].As<Napi::Uint8Array>();
  int64_t w = intArg(info, 2), h = intArg(info, 3);
  if (w < 1 || h < 1 || w > 16384 || h > 16384) throw std::invalid_argument("optical flow frame size out of range");
  n = static_cast<size_t>(w * h);
  if (prev.ElementLength() != n || next.ElementLength() != n)
    throw std::invalid_argument("optical flow frames must both hold width*height bytes");
  a0.create(static_cast<int>(h), static_cast<int>(w), CV_8UC1);
  a1.create(static_cast<int>(h), static_cast<int>(w), CV_8UC1);
  std::memcpy(a0.data, prev.Data(), n);
  std::memcpy(a1.data, next.Data(), n);
}

static Napi::Value flowArray(const Napi::CallbackInfo& info, const cv::Mat& flow, size_t n) {
  auto out = Napi::Float32Array::New(info.Env(), n * 2);
  std::memcpy(out.Data(), flow.ptr<float>(), n * 2 * sizeof(float));
  return out;
}

// disFlow(prev: Uint8Array, next: Uint8Array, width, height, preset) -> Float32Array (H*W*2, dx dy)
static Napi::Value disFlow(const Napi::CallbackInfo& info) {
  cv::Mat a0, a1;
  size_t n;
  greyPair(info, a0, a1, n);
  if (!info[4].IsString()) throw std::invalid_argument("optical flow preset must be ultrafast, fast or medium");
  auto preset = info[4].As<Napi::String>().Utf8Value();
  int p = preset == "ultrafast" ? cv::DISOpticalFlow::PRESET_ULTRAFAST
        : preset == "fast" ? cv::DISOpticalFlow::PRESET_FAST
        : preset == "medium" ? cv::DISOpticalFlow::PRESET_MEDIUM : -1;
  if (p < 0) throw std::invalid_argument("optical flow preset must be ultrafast, fast or medium");
  cv::Mat flow;
  try {
    auto dis = cv::DISOpticalFlow::create(p);
    dis->calc(a0, a1, flow);
  } catch (const cv::Exception& e) {
    throw std::runtime_error(std::string("optical flow failed: ") + e.what());
  }
  return flowArray(info, flow, n);
}

// farnebackFlow(prev, next, width, height, levels, winsize, iterations) -> Float32Array (H*W*2)
static Napi::Value farnebackFlow(const Napi::CallbackInfo& info) {
  cv::Mat a0, a1;
  size_t n;
  greyPair(info, a0, a1, n);
  int64_t levels = intArg(info, 4), winsize = intArg(info, 5), iterations = intArg(info, 6);
  if (levels < 1 || levels > 10 || winsize < 3 || winsize > 255 || iterations < 1 || iterations > 50)
    throw std::invalid_argument("Farneback flow needs levels 1..10, winsize 3..255 and iterations 1..50");
  cv::Mat flow;
  try {
    cv::calcOpticalFlowFarneback(a0, a1, flow, 0.5, static_cast<int>(levels), static_cast<int>(winsize), static_cast<int>(iterations), 7, 1.5, 0);
  } catch (const cv::Exception& e) {
    throw std::runtime_error(std::string("optical flow failed: ") + e.what());
  }
  return flowArray(info, flow, n);
}

// Every failure reaches JS as an Error with its message (never a crash).
template <Napi::Value (*fn)(const Napi::CallbackInfo&)>
static Napi::Value guarded(const Napi::CallbackInfo& info) {
  try {
    return fn(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
}

}  // namespace atelier_flow

static Napi::Object InitFlow(Napi::Env env, Napi::Object exports) {
  using namespace atelier_flow;
  exports.Set("disFlow", Napi::Function::New(env, guarded<disFlow>, "disFlow"));
  exports.Set("farnebackFlow", Napi::Function::New(env, guarded<farnebackFlow>, "farnebackFlow"));
  return exports;
}

NODE_API_MODULE(atelier_flow, InitFlow)
