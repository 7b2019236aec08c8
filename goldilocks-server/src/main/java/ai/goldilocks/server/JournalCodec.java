package ai.goldilocks.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32C;

/**
 * The journal's records and their bytes (format 2), and nothing of files. One record is one line
 * {@code <length> <crc32c> <json>\n}: the JSON's length in bytes (decimal), its CRC-32C (8 hex
 * digits), then the JSON. Three kinds:
 * <ul>
 *   <li>{@code {"type":"segment","format":2,"firstSeq":N,"config":{...}}}: the first line of every
 *       segment, with the options the state was written with ({@link RunConfig});
 *   <li>{@code {"seq":S,"type":"picks","step":T,"ids":[...],"u":[...]}}: a step's picks and their
 *       predicted utilities ({@code null}: no prediction);
 *   <li>{@code {"seq":S,"type":"rewards","step":T,"parts":[{"id","rollouts":[...],"rewards":[...]}]}}:
 *       the fresh reward parts one request added.
 * </ul>
 * Records are written as ASCII JSON (other characters escaped), in one pass from the typed record.
 */
final class JournalCodec {
  static final int FORMAT = 2;
  /** The longest frame prefix: 10 digits, a space, 8 hex digits, a space. */
  private static final int MAX_PREFIX = 20;

  private JournalCodec() {}

  /** One journal record. */
  sealed interface Entry permits Header, PicksEntry, RewardsEntry {}

  /** The first record of a segment: the sequence number of the segment's first change, and the run's options. */
  record Header(long firstSeq, RunConfig config) implements Entry {}

  /** A step's picks, change number {@code seq}. */
  record PicksEntry(long seq, Ledger.Picks picks) implements Entry {}

  /** The fresh reward parts of one request at {@code step}, change number {@code seq}. */
  record RewardsEntry(long seq, long step, List<Ledger.Part> parts) implements Entry {}

  /** What is wrong with a line that cannot be decoded (without the file and line, which the caller adds). */
  static final class Damage extends Exception {
    private static final long serialVersionUID = 1L;

    Damage(String what) {
      super(what, null, false, false);
    }
  }

  /** The framed line of {@code e}, newline included. */
  static byte[] encode(Entry e) {
    return frame(json(e));
  }

  /** The framed line of any JSON text (tests write damaged records with it). */
  static byte[] frame(String jsonText) {
    byte[] json = jsonText.getBytes(StandardCharsets.UTF_8);
    CRC32C crc = new CRC32C();
    crc.update(json);
    byte[] prefix = String.format(Locale.ROOT, "%d %08x ", json.length, crc.getValue()).getBytes(StandardCharsets.US_ASCII);
    byte[] line = new byte[prefix.length + json.length + 1];
    System.arraycopy(prefix, 0, line, 0, prefix.length);
    System.arraycopy(json, 0, line, prefix.length, json.length);
    line[line.length - 1] = '\n';
    return line;
  }

  /** The JSON of {@code e}, ASCII only. */
  static String json(Entry e) {
    StringBuilder b = new StringBuilder(256);
    if (e instanceof Header h) {
      b.append("{\"type\":\"segment\",\"format\":").append(FORMAT).append(",\"firstSeq\":")
          .append(h.firstSeq()).append(",\"config\":").append(h.config().toJson()).append('}');
    } else if (e instanceof PicksEntry p) {
      Ledger.Picks picks = p.picks();
      b.append("{\"seq\":").append(p.seq()).append(",\"type\":\"picks\",\"step\":").append(picks.step())
          .append(",\"ids\":[");
      for (int i = 0; i < picks.size(); i++) {
        string(b.append(i == 0 ? "" : ","), picks.id(i));
      }
      b.append("],\"u\":[");
      for (int i = 0; i < picks.size(); i++) {
        double u = picks.utility(i);
        b.append(i == 0 ? "" : ",").append(Double.isFinite(u) ? Double.toString(u) : "null");
      }
      b.append("]}");
    } else if (e instanceof RewardsEntry r) {
      b.append("{\"seq\":").append(r.seq()).append(",\"type\":\"rewards\",\"step\":").append(r.step())
          .append(",\"parts\":[");
      for (int i = 0; i < r.parts().size(); i++) {
        Ledger.Part part = r.parts().get(i);
        string(b.append(i == 0 ? "{\"id\":" : ",{\"id\":"), part.id()).append(",\"rollouts\":[");
        for (int k = 0; k < part.rollouts().length; k++) {
          b.append(k == 0 ? "" : ",").append(part.rollouts()[k]);
        }
        b.append("],\"rewards\":[");
        for (int k = 0; k < part.rewards().length; k++) {
          b.append(k == 0 ? "" : ",").append(part.rewards()[k]);
        }
        b.append("]}");
      }
      b.append("]}");
    }
    return b.toString();
  }

  /** Appends {@code s} as a JSON string in ASCII: quotes, backslashes, control and non-ASCII characters escaped. */
  static StringBuilder string(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c >= 0x20 && c < 0x7f) {
        b.append(c);
      } else {
        b.append("\\u").append(Character.forDigit(c >> 12, 16)).append(Character.forDigit((c >> 8) & 15, 16))
            .append(Character.forDigit((c >> 4) & 15, 16)).append(Character.forDigit(c & 15, 16));
      }
    }
    return b.append('"');
  }

  /**
   * Decodes the line {@code all[pos, nl)} (without its newline): checks the frame's length and
   * checksum, then reads the record.
   *
   * @throws Damage naming what is wrong: the frame, the length, the checksum, the JSON, or a record
   *     that is readable but not valid
   */
  static Entry decode(byte[] all, int pos, int nl) throws Damage {
    int sp1 = -1;
    int sp2 = -1;
    for (int i = pos; i < Math.min(nl, pos + MAX_PREFIX); i++) {
      if (all[i] == ' ') {
        if (sp1 < 0) {
          sp1 = i;
        } else {
          sp2 = i;
          break;
        }
      }
    }
    if (sp1 <= pos || sp1 - pos > 10 || sp2 != sp1 + 9 || !digits(all, pos, sp1, 10) || !digits(all, sp1 + 1, sp2, 16)) {
      throw new Damage("the line does not start with <length> <crc32c>");
    }
    long length = Long.parseLong(new String(all, pos, sp1 - pos, StandardCharsets.US_ASCII));
    long expected = Long.parseLong(new String(all, sp1 + 1, 8, StandardCharsets.US_ASCII), 16);
    int start = sp2 + 1;
    if (start + length != nl) {
      throw new Damage("the record holds " + (nl - start) + " bytes, its frame says " + length);
    }
    CRC32C crc = new CRC32C();
    crc.update(all, start, (int) length);
    if (crc.getValue() != expected) {
      throw new Damage("checksum mismatch");
    }
    JsonObject o;
    try {
      o = JsonParser.parseString(new String(all, start, (int) length, StandardCharsets.UTF_8)).getAsJsonObject();
    } catch (RuntimeException e) {
      throw new Damage("the record is not a JSON object (" + e.getMessage() + ")");
    }
    try {
      return read(o);
    } catch (RuntimeException e) {
      throw new Damage("the record is readable but not valid (" + e + ")");
    }
  }

  private static boolean digits(byte[] a, int from, int to, int radix) {
    for (int i = from; i < to; i++) {
      if (Character.digit(a[i], radix) < 0 || (radix == 16 && a[i] >= 'A' && a[i] <= 'F')) {
        return false;
      }
    }
    return to > from;
  }

  private static Entry read(JsonObject o) {
    String type = o.get("type").getAsString();
    switch (type) {
      case "segment" -> {
        if (o.get("format").getAsInt() != FORMAT) {
          throw new IllegalStateException("format " + o.get("format") + ", not " + FORMAT);
        }
        return new Header(o.get("firstSeq").getAsLong(), RunConfig.fromJson(o.getAsJsonObject("config")));
      }
      case "picks" -> {
        JsonArray ids = o.getAsJsonArray("ids");
        JsonArray u = o.getAsJsonArray("u");
        if (u.size() != ids.size()) {
          throw new IllegalStateException(ids.size() + " ids but " + u.size() + " utilities");
        }
        String[] idArr = new String[ids.size()];
        double[] uArr = new double[ids.size()];
        for (int i = 0; i < idArr.length; i++) {
          idArr[i] = ids.get(i).getAsString();
          uArr[i] = u.get(i).isJsonNull() ? Double.NaN : u.get(i).getAsDouble();
        }
        return new PicksEntry(o.get("seq").getAsLong(), new Ledger.Picks(o.get("step").getAsLong(), idArr, uArr));
      }
      case "rewards" -> {
        List<Ledger.Part> parts = new ArrayList<>();
        for (JsonElement e : o.getAsJsonArray("parts")) {
          JsonObject part = e.getAsJsonObject();
          JsonArray ro = part.getAsJsonArray("rollouts");
          JsonArray rw = part.getAsJsonArray("rewards");
          if (ro.size() != rw.size() || ro.isEmpty()) {
            throw new IllegalStateException(ro.size() + " rollouts but " + rw.size() + " rewards");
          }
          int[] r = new int[ro.size()];
          double[] v = new double[rw.size()];
          for (int k = 0; k < r.length; k++) {
            r[k] = ro.get(k).getAsInt();
            v[k] = rw.get(k).getAsDouble();
          }
          parts.add(new Ledger.Part(part.get("id").getAsString(), r, v));
        }
        return new RewardsEntry(o.get("seq").getAsLong(), o.get("step").getAsLong(), parts);
      }
      default -> throw new IllegalStateException("unknown record type " + type);
    }
  }
}
