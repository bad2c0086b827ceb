// The linear index of a workgroup in a folded dispatch grid. The runtime folds a
// workgroup count past maxComputeWorkgroupsPerDimension into x·y·z (x fastest), and
// every shader returns when the index is past its end.

fn workgroup_index(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y;
}
