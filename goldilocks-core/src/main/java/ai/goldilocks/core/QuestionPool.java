package ai.goldilocks.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * An immutable, compact, indexed set of questions: the dataset a {@link Sampler} draws from.
 *
 * <p>Ids and texts are stored as UTF-8 in large shared chunks, so a pool of millions of questions
 * costs little more than its text: per question 4 bytes of offset, about 5 bytes of hash index and
 * the id's own bytes. {@link #get(int)} materialises a {@link Question} on demand.
 *
 * <p>Thread-safe (immutable after {@link Builder#build()}).
 */
@API(status = API.Status.STABLE, since = "0.1.0")
public final class QuestionPool {
  private static final int CHUNK_BITS = 24;
  private static final int CHUNK_SIZE = 1 << CHUNK_BITS;
  /** Records start at multiples of 4 bytes; an offset is (chunk << 22) | (position / 4): 512 chunks, 8 GiB. */
  private static final int UNIT_BITS = CHUNK_BITS - 2;
  private static final int MAX_CHUNKS = 1 << (31 - UNIT_BITS);

  private final byte[][] chunks;
  private final int[] offsets;
  private final int[] idTable; // open addressing: index + 1, 0 = empty
  private final Map<Integer, Map<String, String>> metadata;
  private final long textBytes;
  private volatile long fingerprint;
  private volatile boolean fingerprintDone;

  private QuestionPool(Builder b) {
    this.chunks = b.chunks.toArray(new byte[0][]);
    this.offsets = Arrays.copyOf(b.offsets, b.size);
    this.idTable = b.idTable;
    this.metadata = Map.copyOf(b.metadata);
    this.textBytes = b.textBytes;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder(16);
  }

  /** A pool of the given questions, in order. */
  public static QuestionPool of(List<Question> questions) {
    Builder b = new Builder(questions.size());
    for (Question q : questions) {
      if (q == null) {
        throw new NullPointerException("questions[" + b.size() + "] is null");
      }
      b.add(q);
    }
    return b.build();
  }

  /** Number of questions. */
  public int size() {
    return offsets.length;
  }

  /** The question at {@code index}. */
  public Question get(int index) {
    Objects.checkIndex(index, offsets.length);
    return new Question(id(index), text(index), metadata.getOrDefault(index, Map.of()));
  }

  private byte[] chunkOf(int index) {
    return chunks[offsets[index] >>> UNIT_BITS];
  }

  private int positionOf(int index) {
    return (offsets[index] & ((1 << UNIT_BITS) - 1)) << 2;
  }

  /** The id of the question at {@code index}. */
  public String id(int index) {
    Objects.checkIndex(index, offsets.length);
    byte[] c = chunkOf(index);
    int pos = positionOf(index);
    int len = readVarint(c, pos);
    pos += varintSize(len);
    return new String(c, pos, len, StandardCharsets.UTF_8);
  }

  /** The text of the question at {@code index}. */
  public String text(int index) {
    Objects.checkIndex(index, offsets.length);
    byte[] c = chunkOf(index);
    int pos = positionOf(index);
    int idLen = readVarint(c, pos);
    pos += varintSize(idLen) + idLen;
    int len = readVarint(c, pos);
    pos += varintSize(len);
    return new String(c, pos, len, StandardCharsets.UTF_8);
  }

  /** Index of the question with this id, or -1 when the pool has no such question. */
  public int indexOf(String id) {
    Objects.requireNonNull(id, "id");
    byte[] key = id.getBytes(StandardCharsets.UTF_8);
    int cap = idTable.length;
    for (int slot = Math.floorMod(hash(key, 0, key.length), cap); ; slot = slot + 1 == cap ? 0 : slot + 1) {
      int v = idTable[slot];
      if (v == 0) {
        return -1;
      }
      if (idEquals(v - 1, key)) {
        return v - 1;
      }
    }
  }

  /** Index of the question with this id; throws {@link IllegalArgumentException} naming it if absent. */
  public int requireIndex(String id) {
    int i = indexOf(id);
    if (i < 0) {
      throw new IllegalArgumentException("unknown question id '" + id + "' (not in this pool of " + size() + ")");
    }
    return i;
  }

  /**
   * A 64-bit fingerprint of the ids in index order (the first 8 bytes of a SHA-256 over them): two
   * pools with the same ids in the same order have the same fingerprint. Sampler states store it,
   * because their per-question state is keyed by index. Computed once, on first use.
   */
  public long fingerprint() {
    long f = fingerprint;
    if (!fingerprintDone) {
      java.security.MessageDigest sha;
      try {
        sha = java.security.MessageDigest.getInstance("SHA-256");
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException("the JDK has no SHA-256", e);
      }
      byte[] len = new byte[4];
      for (int i = 0; i < offsets.length; i++) {
        byte[] c = chunkOf(i);
        int pos = positionOf(i);
        int n = readVarint(c, pos);
        pos += varintSize(n);
        len[0] = (byte) (n >>> 24);
        len[1] = (byte) (n >>> 16);
        len[2] = (byte) (n >>> 8);
        len[3] = (byte) n;
        sha.update(len);
        sha.update(c, pos, n);
      }
      f = java.nio.ByteBuffer.wrap(sha.digest()).getLong();
      fingerprint = f;
      fingerprintDone = true;
    }
    return f;
  }

  /** Total UTF-8 bytes of all question texts (what a memory budget may exclude). */
  public long textBytes() {
    return textBytes;
  }

  private boolean idEquals(int index, byte[] key) {
    byte[] c = chunkOf(index);
    int pos = positionOf(index);
    int len = readVarint(c, pos);
    if (len != key.length) {
      return false;
    }
    pos += varintSize(len);
    return Arrays.equals(c, pos, pos + len, key, 0, len);
  }

  static int hash(byte[] b, int from, int len) {
    int h = 0x9747b28c;
    for (int i = from; i < from + len; i++) {
      h = (h ^ b[i]) * 0x5bd1e995;
      h ^= h >>> 15;
    }
    h ^= h >>> 13;
    h *= 0x85ebca6b;
    return h ^ (h >>> 16);
  }

  private static int readVarint(byte[] c, int pos) {
    int v = 0;
    int shift = 0;
    while (true) {
      byte b = c[pos++];
      v |= (b & 0x7F) << shift;
      if (b >= 0) {
        return v;
      }
      shift += 7;
    }
  }

  private static int varintSize(int v) {
    int n = 1;
    while ((v >>>= 7) != 0) {
      n++;
    }
    return n;
  }

  private static int writeVarint(byte[] c, int pos, int v) {
    while ((v & ~0x7F) != 0) {
      c[pos++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    c[pos++] = (byte) v;
    return pos;
  }

  /** Builds a {@link QuestionPool}; ids must be unique. Not thread-safe. */
  public static final class Builder {
    private final List<byte[]> chunks = new ArrayList<>();
    private int[] offsets;
    private int size;
    private int[] idTable;
    private final Map<Integer, Map<String, String>> metadata = new HashMap<>();
    private byte[] current;
    private int pos;
    private long textBytes;

    private Builder(int expected) {
      offsets = new int[Math.max(16, expected)];
      idTable = new int[tableSize(Math.max(16, expected))];
    }

    private static int tableSize(int n) {
      return (int) Math.min(Integer.MAX_VALUE - 8, Math.max(16, (long) Math.ceil(n / 0.75) + 1));
    }

    /**
     * Adds a question.
     *
     * @throws IllegalArgumentException if a question with the same id was added before
     */
    public Builder add(Question q) {
      if (q == null) {
        throw new NullPointerException("question " + size + " (0-based, in the order added) is null");
      }
      if (offsets == null) {
        throw new IllegalStateException("this builder has already built its pool");
      }
      byte[] id = q.id().getBytes(StandardCharsets.UTF_8);
      byte[] text = q.text().getBytes(StandardCharsets.UTF_8);
      int need = varintSize(id.length) + id.length + varintSize(text.length) + text.length;
      if (need > CHUNK_SIZE) {
        throw new IllegalArgumentException("question '" + q.id() + "' is too large: " + need + " bytes");
      }
      if (size + 1 > idTable.length * 0.75) {
        rehash(tableSize(2 * size + 2));
      }
      int cap = idTable.length;
      int slot = Math.floorMod(hash(id, 0, id.length), cap);
      while (idTable[slot] != 0) {
        if (Arrays.equals(id, idOf(idTable[slot] - 1))) {
          throw new IllegalArgumentException("duplicate question id '" + q.id() + "'");
        }
        slot = slot + 1 == cap ? 0 : slot + 1;
      }
      pos = (pos + 3) & ~3;
      if (current == null || pos + need > current.length) {
        if (chunks.size() == MAX_CHUNKS) {
          throw new IllegalStateException("question pool is full: ids and texts exceed " + MAX_CHUNKS + " chunks of 16 MiB");
        }
        // just under 16 MiB: a humongous array of exactly 2^24 bytes plus header would waste most of a G1 region
        int grow = Math.min(CHUNK_SIZE - 4096, Math.max(1 << 16, 2 * (current == null ? 0 : current.length)));
        current = new byte[Math.max(need, grow)];
        chunks.add(current);
        pos = 0;
      }
      if (size == offsets.length) {
        offsets = Arrays.copyOf(offsets, offsets.length * 2);
      }
      offsets[size] = ((chunks.size() - 1) << UNIT_BITS) | (pos >>> 2);
      pos = writeVarint(current, pos, id.length);
      System.arraycopy(id, 0, current, pos, id.length);
      pos += id.length;
      pos = writeVarint(current, pos, text.length);
      System.arraycopy(text, 0, current, pos, text.length);
      pos += text.length;
      textBytes += text.length;
      if (!q.metadata().isEmpty()) {
        metadata.put(size, q.metadata());
      }
      idTable[slot] = size + 1;
      size++;
      return this;
    }

    private byte[] idOf(int index) {
      byte[] c = chunks.get(offsets[index] >>> UNIT_BITS);
      int p = (offsets[index] & ((1 << UNIT_BITS) - 1)) << 2;
      int len = readVarint(c, p);
      p += varintSize(len);
      return Arrays.copyOfRange(c, p, p + len);
    }

    private void rehash(int cap) {
      int[] t = new int[cap];
      for (int i = 0; i < size; i++) {
        byte[] id = idOf(i);
        int slot = Math.floorMod(hash(id, 0, id.length), cap);
        while (t[slot] != 0) {
          slot = slot + 1 == cap ? 0 : slot + 1;
        }
        t[slot] = i + 1;
      }
      idTable = t;
    }

    /** Number of questions added so far. */
    public int size() {
      return size;
    }

    /**
     * The pool. The builder hands its storage to the pool and must not be used afterwards.
     *
     * @throws IllegalStateException if called twice
     */
    public QuestionPool build() {
      if (offsets == null) {
        throw new IllegalStateException("build() was already called on this builder");
      }
      if (current != null && pos < current.length) {
        chunks.set(chunks.size() - 1, Arrays.copyOf(current, pos));
      }
      if (idTable.length > tableSize(size) + 16) {
        rehash(tableSize(size));
      }
      QuestionPool pool = new QuestionPool(this);
      offsets = null;
      idTable = null;
      chunks.clear();
      metadata.clear();
      current = null;
      return pool;
    }
  }
}
