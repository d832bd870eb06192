{
  # The native addon: a thin Node-API layer over libtorch (and OpenCV's DIS optical flow).
  # LIBTORCH=/path/to/libtorch (the official zip layout: include/, lib/) builds against another
  # libtorch, e.g. a CUDA build; without it, Debian's libtorch-dev in /usr is used.
  "variables": {
    "libtorch%": "<!(echo ${LIBTORCH:-})"
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
      "native/flow.cc",
      "native/memory.cc"
    ],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
    "cflags!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc": ["-std=c++17", "-O2", "-Wno-unused-parameter", "-Wno-deprecated-declarations", "<!@(pkg-config --cflags opencv4)"],
    "libraries": ["<!@(pkg-config --libs-only-L opencv4)", "-lopencv_video", "-lopencv_core"],
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
