// What an EC2 instance type says about its capacity, without calling DescribeInstanceTypes:
// the size suffix gives the vCPUs for nearly every current family, and the family says whether
// it carries accelerators. Miners favour both (AWS-FACTS.md, "How miners show up").

const SIZE_VCPUS: Record<string, number> = {
  nano: 2, micro: 2, small: 2, medium: 2, large: 2, xlarge: 4,
};

/** Families with GPUs or other accelerators (p, g, inf, trn, dl, f, vt families). */
const ACCELERATED = /^(p\d|g\d|gr\d|inf\d|trn\d|dl\d|f\d|vt\d)/;

/** Metal sizes by family prefix; the usual figure when the family is not listed. */
const METAL_VCPUS: Record<string, number> = {
  c5: 96, c5n: 72, c5d: 96, c6i: 128, c6a: 192, c7i: 192, c7a: 192, m5: 96, m6i: 128, r5: 96, r6i: 128, i3: 72, p3dn: 96,
};

export function instanceFamily(instanceType: string): string {
  return instanceType.split('.')[0] ?? instanceType;
}

export function isAccelerated(instanceType: string): boolean {
  return ACCELERATED.test(instanceFamily(instanceType));
}

/** vCPUs of an instance type; `cpuOptions` (from DescribeInstances) wins when present. */
export function vcpusOf(instanceType: string, cpuOptions?: { CoreCount?: number; ThreadsPerCore?: number }): number {
  if (cpuOptions?.CoreCount) return cpuOptions.CoreCount * (cpuOptions.ThreadsPerCore ?? 1);
  const [family = '', size = ''] = instanceType.split('.');
  if (size === 'metal' || size.startsWith('metal-')) return METAL_VCPUS[family] ?? 96;
  if (size in SIZE_VCPUS) {
    // Graviton mediums have one vCPU; everything else at or below large has two.
    if (size === 'medium' && /^[a-z]+\d+g[a-z]*$/.test(family)) return 1;
    return SIZE_VCPUS[size] ?? 2;
  }
  const m = /^(\d+)xlarge$/.exec(size);
  if (m) return Number(m[1]) * 4;
  return 2;
}
