{
  # The native addons: a thin Node-API layer over libtorch (atelier_native), OpenCV's optical flow
  # (atelier_flow) and OpenEXR + OpenColorIO (atelier_image), each its own module so that the tensor
  # engine links libtorch alone.
  # LIBTORCH=/path/to/libtorch (the official zip layout: include/, lib/) builds against another
  # libtorch, e.g. a CUDA build; without it, Debian's libtorch-dev in /usr is used.
  "variables": {
    "libtorch%": "<!(echo ${LIBTORCH:-})",
    # libtorch 2.14 and later refuse C++17 in ATen.h (#error on __cplusplus < 202002L); older ones
    # (Debian's 1.13) are built as C++17.
    "torch_std%": "<!(grep -qs 202002L ${LIBTORCH:-/usr}/include/ATen/ATen.h && echo c++20 || echo c++17)"
  },
  "targets": [{
    "target_name": "atelier_native",
    "sources": [
      "native/addon.cc",
      "native/handle.cc",
      "native/creation.cc",
      "native/ops_elementwise.cc",
      "native/ops_shape.cc",
      "native/ops_nn.cc",
      "native/autograd.cc",
      "native/memory.cc"
    ],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
    "cflags!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc": ["-std=<(torch_std)", "-O2", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
    "conditions": [
      ["libtorch==''", {
        "include_dirs": ["/usr/include/torch/csrc/api/include"],
        "libraries": ["-ltorch", "-ltorch_cpu", "-lc10"]
      }, {
        "include_dirs": ["<(libtorch)/include", "<(libtorch)/include/torch/csrc/api/include"],
        "libraries": [
          "-L<(libtorch)/lib", "-Wl,-rpath,<(libtorch)/lib", "-Wl,--no-as-needed",
          "-ltorch", "-ltorch_cpu", "-lc10",
          "<!@(test -f ${LIBTORCH}/lib/libtorch_cuda.so && echo -ltorch_cuda -lc10_cuda || true)",
          "-Wl,--as-needed"
        ]
      }]
    ]
  }, {
    # OpenCV's DIS and Farneback flow (Debian libopencv-dev) on grey frames held in JS arrays.
    # Loaded by src/engine/flow.ts.
    "target_name": "atelier_flow",
    "sources": ["native/flow.cc"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
    "cflags!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc": ["-std=c++17", "-O2", "-Wno-unused-parameter", "<!@(pkg-config --cflags opencv4)"],
    "libraries": ["<!@(pkg-config --libs-only-L opencv4)", "-lopencv_video", "-lopencv_core"]
  }, {
    # OpenEXR and OpenColorIO (Debian libopenexr-dev, libopencolorio-dev), a module of its own: the
    # tensor engine neither loads nor relinks them. Loaded by src/data/image-native.ts.
    "target_name": "atelier_image",
    "sources": ["native/image_addon.cc", "native/image_exr.cc", "native/image_ocio.cc"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
    "cflags!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc": ["-std=c++17", "-O2", "-Wno-unused-parameter", "<!@(pkg-config --cflags OpenEXR OpenColorIO)"],
    "libraries": ["<!@(pkg-config --libs OpenEXR OpenColorIO)"]
  }]
}
