package io.runnel.metadata.ratis;

import io.runnel.proto.metadata.MetadataBatch;
import io.runnel.proto.metadata.MetadataRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.rocksdb.Checkpoint;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The controller's applied metadata in RocksDB: an image (as the records of
 * {@code MetadataImage.toRecords()}) at some offset, the batches applied after it, and the last applied
 * Ratis (term, index). Each applied entry is one atomic {@link WriteBatch}, so after a crash the store
 * holds a consistent prefix of the log; restart = {@link #load()} + replay of the Ratis log tail.
 *
 * <p>Layout (keys are ASCII prefixes followed by big-endian numbers):
 * <pre>
 *   meta/applied            term int64, index int64 of the last applied log entry
 *   meta/image              offset int64 of the stored image, chunk count int32
 *   image/{chunk int32}     MetadataBatch holding up to IMAGE_CHUNK_RECORDS records of the image
 *   batch/{offset int64}    MetadataBatch committed at that offset, after the image
 * </pre>
 *
 * <p>Durability: writes are not fsynced one by one. The Ratis log is the write-ahead log of the
 * metadata and is fsynced before an entry commits; whatever RocksDB loses in a crash is replayed from
 * the Ratis log, which is purged only up to a snapshot, and a snapshot is a flushed checkpoint of this
 * store. {@link #compact} rewrites the image and drops the batches it includes, so the batch section
 * stays bounded by the snapshot interval.
 *
 * <p>Thread-safety: writes come from the one Ratis apply thread; {@link #close} must not race them.
 */
public final class MetadataStore implements AutoCloseable {

    /** Records per image chunk, so that no RocksDB value grows with the size of the cluster. */
    static final int IMAGE_CHUNK_RECORDS = 1000;

    private static final byte[] APPLIED_KEY = "meta/applied".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] IMAGE_KEY = "meta/image".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] IMAGE_PREFIX = "image/".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BATCH_PREFIX = "batch/".getBytes(StandardCharsets.US_ASCII);

    static {
        RocksDB.loadLibrary();
    }

    /** What {@link #load} found: the image records at {@code imageOffset}, then the batches after it. */
    public record Stored(List<MetadataRecord> imageRecords, long imageOffset, List<CommittedBatch> batches,
                         long appliedTerm, long appliedIndex) {
    }

    private final Path dir;
    private final Options options;
    private final WriteOptions writeOptions;
    private final RocksDB db;

    private MetadataStore(Path dir, Options options, RocksDB db) {
        this.dir = dir;
        this.options = options;
        this.db = db;
        this.writeOptions = new WriteOptions().setSync(false);
    }

    /** Opens (creating if missing) the store in {@code dir}. */
    public static MetadataStore open(Path dir) throws IOException {
        Files.createDirectories(dir);
        Options options = new Options().setCreateIfMissing(true).setKeepLogFileNum(4);
        try {
            return new MetadataStore(dir, options, RocksDB.open(options, dir.toString()));
        } catch (RocksDBException e) {
            options.close();
            throw new IOException("cannot open the metadata store in " + dir + ": " + e.getMessage(), e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** Reads everything back. Fails with IOException if a value does not parse (a corrupt store). */
    public Stored load() throws IOException {
        try {
            long appliedTerm = 0;
            long appliedIndex = -1;
            byte[] applied = db.get(APPLIED_KEY);
            if (applied != null) {
                ByteBuffer buffer = ByteBuffer.wrap(applied);
                appliedTerm = buffer.getLong();
                appliedIndex = buffer.getLong();
            }
            long imageOffset = -1;
            int chunks = 0;
            byte[] image = db.get(IMAGE_KEY);
            if (image != null) {
                ByteBuffer buffer = ByteBuffer.wrap(image);
                imageOffset = buffer.getLong();
                chunks = buffer.getInt();
            }
            List<MetadataRecord> records = new ArrayList<>();
            for (int chunk = 0; chunk < chunks; chunk++) {
                byte[] value = db.get(imageKey(chunk));
                if (value == null) {
                    throw new IOException("metadata store " + dir + " lacks image chunk " + chunk + " of " + chunks);
                }
                records.addAll(MetadataBatch.parseFrom(value).getRecordsList());
            }
            List<CommittedBatch> batches = new ArrayList<>();
            try (RocksIterator it = db.newIterator()) {
                for (it.seek(BATCH_PREFIX); it.isValid() && startsWith(it.key(), BATCH_PREFIX); it.next()) {
                    long offset = ByteBuffer.wrap(it.key(), BATCH_PREFIX.length, Long.BYTES).getLong();
                    batches.add(new CommittedBatch(offset, MetadataBatch.parseFrom(it.value())));
                }
            }
            return new Stored(records, imageOffset, batches, appliedTerm, appliedIndex);
        } catch (RocksDBException e) {
            throw new IOException("cannot read the metadata store in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Records the batch applied at (term, index), atomically with the applied index. */
    public void append(long term, long index, MetadataBatch batch) throws IOException {
        Objects.requireNonNull(batch, "batch");
        try (WriteBatch write = new WriteBatch()) {
            write.put(batchKey(index), batch.toByteArray());
            write.put(APPLIED_KEY, appliedValue(term, index));
            db.write(writeOptions, write);
        } catch (RocksDBException e) {
            throw new IOException("cannot write metadata offset " + index + " to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Advances the applied index without a batch (an entry that was rejected as a whole). */
    public void markApplied(long term, long index) throws IOException {
        try {
            db.put(writeOptions, APPLIED_KEY, appliedValue(term, index));
        } catch (RocksDBException e) {
            throw new IOException("cannot write metadata offset " + index + " to " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Replaces the stored image by {@code imageRecords} (the image at {@code imageOffset}), drops the
     * batches it includes and sets the applied (term, index), in one atomic write.
     */
    public void compact(List<MetadataRecord> imageRecords, long imageOffset, long term, long index)
            throws IOException {
        try (WriteBatch write = new WriteBatch()) {
            write.deleteRange(imageKey(0), imageKey(Integer.MAX_VALUE));
            int chunks = 0;
            for (int from = 0; from < imageRecords.size(); from += IMAGE_CHUNK_RECORDS) {
                int to = Math.min(imageRecords.size(), from + IMAGE_CHUNK_RECORDS);
                write.put(imageKey(chunks++),
                        MetadataBatch.newBuilder().addAllRecords(imageRecords.subList(from, to)).build().toByteArray());
            }
            write.put(IMAGE_KEY, ByteBuffer.allocate(Long.BYTES + Integer.BYTES).putLong(imageOffset).putInt(chunks)
                    .array());
            write.deleteRange(batchKey(0), batchKey(imageOffset + 1));
            write.put(APPLIED_KEY, appliedValue(term, index));
            db.write(writeOptions, write);
        } catch (RocksDBException e) {
            throw new IOException("cannot write the metadata image at offset " + imageOffset + " to " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    /** Writes a consistent, flushed copy of the store into {@code target}, which must not exist yet. */
    public void checkpoint(Path target) throws IOException {
        try (Checkpoint checkpoint = Checkpoint.create(db)) {
            checkpoint.createCheckpoint(target.toString());
        } catch (RocksDBException e) {
            throw new IOException("cannot checkpoint the metadata store into " + target + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        db.close();
        writeOptions.close();
        options.close();
    }

    private static byte[] appliedValue(long term, long index) {
        return ByteBuffer.allocate(2 * Long.BYTES).putLong(term).putLong(index).array();
    }

    private static byte[] imageKey(int chunk) {
        return ByteBuffer.allocate(IMAGE_PREFIX.length + Integer.BYTES).put(IMAGE_PREFIX).putInt(chunk).array();
    }

    private static byte[] batchKey(long offset) {
        return ByteBuffer.allocate(BATCH_PREFIX.length + Long.BYTES).put(BATCH_PREFIX).putLong(offset).array();
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        if (key.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (key[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
