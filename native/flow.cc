// Dense optical flow with OpenCV's DIS (Kroeger et al. 2016) on 8-bit grey frames.
#include "handle.h"
#include <opencv2/video/tracking.hpp>
#include <cstring>

namespace atelier {

// disFlow(prev: Uint8Array, next: Uint8Array, width, height, preset) -> Float32Array (H*W*2, dx dy)
static Napi::Value disFlow(const Napi::CallbackInfo& info) {
  Args a(info);
  if (!info[0].IsTypedArray() || !info[1].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw Napi::TypeError::New(info.Env(), "optical flow needs two Uint8Array grey frames");
  auto prev = info[0].As<Napi::Uint8Array>();
  auto next = info[1].As<Napi::Uint8Array>();
  int64_t w = a.i64(2), h = a.i64(3);
  auto preset = a.str(4);
  if (w < 1 || h < 1 || w > 16384 || h > 16384) throw std::invalid_argument("optical flow frame size out of range");
  size_t n = static_cast<size_t>(w * h);
  if (prev.ElementLength() != n || next.ElementLength() != n)
    throw std::invalid_argument("optical flow frames must both hold width*height bytes");
  int p = preset == "ultrafast" ? cv::DISOpticalFlow::PRESET_ULTRAFAST
        : preset == "fast" ? cv::DISOpticalFlow::PRESET_FAST
        : preset == "medium" ? cv::DISOpticalFlow::PRESET_MEDIUM : -1;
  if (p < 0) throw std::invalid_argument("optical flow preset must be ultrafast, fast or medium");
  // OpenCV reads the JS buffers in place; copying keeps them safe from a concurrent GC move.
  cv::Mat a0(static_cast<int>(h), static_cast<int>(w), CV_8UC1), a1(static_cast<int>(h), static_cast<int>(w), CV_8UC1);
  std::memcpy(a0.data, prev.Data(), n);
  std::memcpy(a1.data, next.Data(), n);
  cv::Mat flow;
  try {
    auto dis = cv::DISOpticalFlow::create(p);
    dis->calc(a0, a1, flow);
  } catch (const cv::Exception& e) {
    throw std::runtime_error(std::string("optical flow failed: ") + e.what());
  }
  auto out = Napi::Float32Array::New(info.Env(), n * 2);
  std::memcpy(out.Data(), flow.ptr<float>(), n * 2 * sizeof(float));
  return out;
}

void initFlow(Napi::Env env, Napi::Object exports) {
  ATELIER_EXPORT(exports, "disFlow", disFlow);
}

}  // namespace atelier
