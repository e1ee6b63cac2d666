{
  "targets": [
    {
      "target_name": "synack",
      "sources": ["src/addon.cc", "src/filter.cc", "src/capture.cc", "src/scan.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS"],
      "cflags": ["-O2", "-fno-exceptions"],
      "cflags_cc": ["-O2", "-fno-exceptions", "-std=c++17"],
      "libraries": ["-lpcap"]
    }
  ]
}
