/**
 * Every constant and bound of self-encryption format version 1 (src/data/README.md). A file's
 * address depends on `maxChunkBytes`, so every client must use the default for the same bytes to
 * converge on the same chunks; tests pass smaller chunk sizes to reach several data-map levels
 * cheaply. Decryption needs none of the encoder's choices: sizes are in the data map, and only the
 * format's hard bounds below are checked.
 */
export const SELF_ENCRYPTION = {
  /** First byte of every root chunk and data-map encoding; a reader refuses any other. */
  formatVersion: 1,
  /**
   * Largest data chunk. 1 MiB rather than 4 MiB: the wire carries at most 1 MiB + 1 KiB of chunk
   * content (src/wire/payloads.ts, within its 5 MiB frame), a libp2p stream resets at 4 MiB
   * unread, and 4 MiB chunks were no faster (153 against 149 MB/s) for 2.7× the memory held
   * (README, "Measurements").
   */
  maxChunkBytes: 1024 * 1024,
  /** Files shorter than this are stored inline in their root chunk: three chunks need ≥ 1 byte each. */
  minEncryptableBytes: 3,
  /**
   * Brotli quality for the compression attempt. Quality 1 gives up on random bytes at ~3 GB/s and
   * compresses source text at ~320 MB/s to 21.5 %; quality 0 is faster but stores 7 % more, quality
   * 2 takes 1.7× as long for 19.8 % (README).
   */
  brotliQuality: 1,
  /** AEAD of every chunk: AES-256-GCM ran 1.8× (encrypting) and 2.4× (decrypting) ChaCha20-Poly1305 here (README). */
  aead: 'aes-256-gcm',
  /** AEAD key: SHA3-256 output, used whole. */
  keyBytes: 32,
  /** AEAD nonce: the first 12 bytes of a SHA3-256 output. */
  nonceBytes: 12,
  /** AEAD tag, appended to the ciphertext. */
  tagBytes: 16,
  /** Pad XORed over the sealed chunk, cyclically: three SHA3-256 outputs. */
  padBytes: 96,
  /** First byte of the sealed plaintext: the body as it came (`stored`) or compressed (`brotli`). */
  flag: { stored: 0, brotli: 1 },
  /** One flag byte and one tag: what a sealed chunk adds to its body. */
  chunkOverheadBytes: 1 + 16,
  /** Bytes of one data-map entry: index (4), dstHash (32), srcHash (32), srcSize (4). */
  entryBytes: 72,

  // --- Bounds, each checked by the encoder (options) and the decoder (hostile bytes) -------------

  /** Smallest `maxChunkBytes` option: a three-entry data map (231 bytes) must fit in a root. */
  minChunkBytesOption: 1024,
  /** Largest `maxChunkBytes` option, and the largest `srcSize` a data map may declare. */
  maxChunkBytesLimit: 4 * 1024 * 1024,
  /**
   * Entries of one data map (2^20): 1 TiB of 1 MiB chunks. The file's data map is held in memory
   * while reading (72 MiB at this bound), so the bound is on memory, not on the format.
   */
  maxDataMapEntries: 1 << 20,
  /**
   * Levels of data map above the file's own. With 1 KiB chunks (the smallest option) a file of
   * 2^20 chunks needs 5; one byte in the root holds up to 255, a reader refuses more than this.
   */
  maxDataMapDepth: 8,
  /** Chunks a reader fetches ahead by default: hides round trips without holding many chunks. */
  defaultParallelism: 4,
  /** Most chunks a reader may have in flight: `parallelism` × 4 MiB of memory at worst. */
  maxParallelism: 32,
} as const

/** Largest file: as many of the largest chunks as a data map may list (4 TiB). */
export const MAX_FILE_BYTES = SELF_ENCRYPTION.maxDataMapEntries * SELF_ENCRYPTION.maxChunkBytesLimit
