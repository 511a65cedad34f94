/**
 * The cluster metadata as immutable values and the one code path that changes it: records of the
 * metadata log are replayed, in log order, into a {@link io.runnel.metadata.image.MetadataDelta} on top
 * of a {@link io.runnel.metadata.image.MetadataImage}, and {@code apply(offset)} yields the next image.
 * Controllers and brokers run this same code, so they cannot disagree about what a record means.
 *
 * <p>Pure: no clock, no randomness, no I/O. Images are immutable and thread-safe; deltas are not
 * thread-safe. A record that breaks an invariant is a programmer error: replay throws
 * IllegalStateException naming it. See docs/metadata.md, "Records" and "Image and delta".
 */
package io.runnel.metadata.image;
