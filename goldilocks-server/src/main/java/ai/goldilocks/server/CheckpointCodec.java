package ai.goldilocks.server;

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
 * The binary form of a server checkpoint: magic, version, journal sequence, the run's options
 * ({@link RunConfig} as JSON), the group size, the kept steps' picks, the groups being assembled,
 * the state's counters and the sampler's own state, then a CRC-32 over all of it. Knows nothing of
 * files or of the rules.
 */
final class CheckpointCodec {
  private static final int MAGIC = 0x474c5356; // "GLSV"
  static final int VERSION = 2;

  /** Everything a checkpoint holds. */
  record Snapshot(long seq, RunConfig config, int groupSize, TreeMap<Long, Ledger.Picks> steps,
      Map<Ledger.GroupKey, Ledger.Group> groups, Ledger.Counters counters, byte[] samplerState) {}

  private CheckpointCodec() {}

  static byte[] encode(Snapshot s) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(MAGIC);
    out.writeInt(VERSION);
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
    out.flush();
    CRC32 crc = new CRC32();
    crc.update(bytes.toByteArray());
    out.writeLong(crc.getValue());
    out.flush();
    return bytes.toByteArray();
  }

  /** Reads {@link #encode}'s form; an {@link IOException} says what is wrong (length, checksum, magic, version). */
  static Snapshot decode(byte[] all) throws IOException {
    if (all.length < 8) {
      throw new IOException("truncated (" + all.length + " bytes)");
    }
    CRC32 crc = new CRC32();
    crc.update(all, 0, all.length - 8);
    if (ByteBuffer.wrap(all, all.length - 8, 8).getLong() != crc.getValue()) {
      throw new IOException("checksum mismatch");
    }
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(all, 0, all.length - 8));
    if (in.readInt() != MAGIC) {
      throw new IOException("not a Goldilocks server checkpoint");
    }
    int version = in.readInt();
    if (version != VERSION) {
      throw new IOException("unsupported checkpoint version " + version);
    }
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
