package ai.goldilocks.server;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.internal.Envelope;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * The binary form of a server checkpoint, in the library's shared envelope ({@link Envelope}: magic,
 * format version, kind, length, payload, CRC-32), as sampler states are. The payload: journal
 * sequence, the run's options ({@link RunConfig} as JSON), the group size, the kept steps' picks,
 * the groups being assembled, the state's counters and the sampler's own state. Format 2 (before
 * the shared envelope: its own magic "GLSV", version 2, the same fields, a CRC-32 over all) is still
 * read, so an upgrade keeps every checkpoint. Knows nothing of files or of the rules.
 */
final class CheckpointCodec {
  /** The envelope's kind for a server checkpoint. */
  static final String KIND = "goldilocks-server-checkpoint";
  /** The format written; {@link #decode} reads this one and format 2. */
  static final int VERSION = 3;
  private static final int LEGACY_MAGIC = 0x474c5356; // "GLSV", format 2
  private static final int LEGACY_VERSION = 2;
  private static final String WHAT = "server checkpoint";

  /** Everything a checkpoint holds. */
  record Snapshot(long seq, RunConfig config, int groupSize, TreeMap<Long, Ledger.Picks> steps,
      Map<Ledger.GroupKey, Ledger.Group> groups, Ledger.Counters counters, byte[] samplerState) {}

  /** The longest id a checkpoint stores: {@link DataOutputStream#writeUTF}'s limit, in modified UTF-8 bytes. */
  static final int MAX_ID_BYTES = 65_535;

  private CheckpointCodec() {}

  /**
   * Refuses a pool with an id too long to store in a checkpoint (every checkpoint would fail), naming
   * it by its position in the pool.
   */
  static void requireStorableIds(QuestionPool pool) throws IOException {
    for (int i = 0; i < pool.size(); i++) {
      String id = pool.id(i);
      if (id.length() * 3L > MAX_ID_BYTES) { // only then can it be too long
        long bytes = 0;
        for (int k = 0; k < id.length(); k++) {
          char c = id.charAt(k);
          bytes += c >= 0x0001 && c <= 0x007f ? 1 : c <= 0x07ff ? 2 : 3;
        }
        if (bytes > MAX_ID_BYTES) {
          throw new IOException("the question id at position " + i + " of the pool ('" + Quote.of(id) + "') takes "
              + bytes + " bytes; a server checkpoint stores ids of at most " + MAX_ID_BYTES + " bytes: shorten the ids, "
              + "or serve the pool without --state-dir");
        }
      }
    }
  }

  static byte[] encode(Snapshot s) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Envelope.write(bytes, KIND, VERSION, out -> writeFields(out, s));
    return bytes.toByteArray();
  }

  private static void writeFields(DataOutputStream out, Snapshot s) throws IOException {
    out.writeLong(s.seq);
    out.writeUTF(s.config.toJson().toString());
    out.writeInt(s.groupSize);
    out.writeInt(s.steps.size());
    for (Map.Entry<Long, Ledger.Picks> e : s.steps.entrySet()) {
      Ledger.Picks p = e.getValue();
      out.writeLong(e.getKey());
      out.writeInt(p.size());
      for (int i = 0; i < p.size(); i++) {
        out.writeUTF(p.id(i));
        out.writeDouble(p.utility(i));
      }
    }
    out.writeInt(s.groups.size());
    for (Map.Entry<Ledger.GroupKey, Ledger.Group> e : s.groups.entrySet()) {
      out.writeLong(e.getKey().step());
      out.writeUTF(e.getKey().id());
      Ledger.Group p = e.getValue();
      out.writeBoolean(p.done);
      for (int k = 0; k < s.groupSize; k++) {
        out.writeBoolean(p.got[k]);
        out.writeDouble(p.rewards[k]);
      }
    }
    out.writeLong(s.counters.acceptedParts());
    out.writeLong(s.counters.staleGroups());
    out.writeLong(s.counters.completedGroups());
    out.writeInt(s.samplerState.length);
    out.write(s.samplerState);
  }

  /**
   * Reads {@link #encode}'s form, or format 2; an {@link IOException} says what is wrong (length,
   * checksum, magic, version, kind).
   */
  static Snapshot decode(byte[] all) throws IOException {
    if (all.length < 8) {
      throw new IOException("truncated " + WHAT + " (" + all.length + " bytes)");
    }
    int magic = ByteBuffer.wrap(all, 0, 4).getInt();
    DataInputStream in;
    if (magic == LEGACY_MAGIC) {
      CRC32 crc = new CRC32();
      crc.update(all, 0, all.length - 8);
      if (ByteBuffer.wrap(all, all.length - 8, 8).getLong() != crc.getValue()) {
        throw new IOException("corrupt " + WHAT + " (format 2): checksum mismatch");
      }
      in = new DataInputStream(new ByteArrayInputStream(all, 8, all.length - 16));
      int version = ByteBuffer.wrap(all, 4, 4).getInt();
      if (version != LEGACY_VERSION) {
        throw new IOException("unsupported " + WHAT + " format version " + version + " (this library reads 2 and " + VERSION + ")");
      }
    } else {
      in = Envelope.read(new ByteArrayInputStream(all), WHAT, KIND, VERSION, VERSION).data();
    }
    Snapshot s = readFields(in);
    Envelope.requireEnd(in, WHAT);
    return s;
  }

  private static Snapshot readFields(DataInputStream in) throws IOException {
    long seq = in.readLong();
    RunConfig config = RunConfig.fromJson(JsonParser.parseString(in.readUTF()).getAsJsonObject());
    int groupSize = in.readInt();
    if (groupSize != config.groupSize()) {
      throw new IOException("group size " + groupSize + " differs from the configuration's " + config.groupSize());
    }
    TreeMap<Long, Ledger.Picks> steps = new TreeMap<>();
    int ns = in.readInt();
    for (int i = 0; i < ns; i++) {
      long step = in.readLong();
      int n = in.readInt();
      String[] ids = new String[n];
      double[] u = new double[n];
      for (int j = 0; j < n; j++) {
        ids[j] = in.readUTF();
        u[j] = in.readDouble();
      }
      steps.put(step, new Ledger.Picks(step, ids, u));
    }
    Map<Ledger.GroupKey, Ledger.Group> groups = new HashMap<>();
    int ng = in.readInt();
    for (int i = 0; i < ng; i++) {
      long step = in.readLong();
      String id = in.readUTF();
      Ledger.Group p = new Ledger.Group(groupSize);
      p.done = in.readBoolean();
      for (int k = 0; k < groupSize; k++) {
        p.got[k] = in.readBoolean();
        p.rewards[k] = in.readDouble();
        p.count += p.got[k] ? 1 : 0;
      }
      groups.put(new Ledger.GroupKey(step, id), p);
    }
    long accepted = in.readLong();
    long stale = in.readLong();
    long completed = in.readLong();
    byte[] samplerState = new byte[in.readInt()];
    in.readFully(samplerState);
    return new Snapshot(seq, config, groupSize, steps, groups, new Ledger.Counters(accepted, stale, completed), samplerState);
  }
}
