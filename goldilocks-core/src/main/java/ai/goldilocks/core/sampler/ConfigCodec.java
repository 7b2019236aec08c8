package ai.goldilocks.core.sampler;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a sampler's configuration record into its state by field name and type, reads it back
 * as the same record type, and lists the fields in which two configurations differ. Supports the
 * component types the configuration records use: int, long, double, boolean, String and enums.
 */
final class ConfigCodec {
  private ConfigCodec() {}

  static void write(DataOutputStream out, Record config) throws IOException {
    RecordComponent[] cs = config.getClass().getRecordComponents();
    out.writeInt(cs.length);
    for (RecordComponent c : cs) {
      Object v = value(c, config);
      out.writeUTF(c.getName());
      Class<?> t = c.getType();
      if (t == int.class) {
        out.writeByte('I');
        out.writeInt((Integer) v);
      } else if (t == long.class) {
        out.writeByte('J');
        out.writeLong((Long) v);
      } else if (t == double.class) {
        out.writeByte('D');
        out.writeDouble((Double) v);
      } else if (t == boolean.class) {
        out.writeByte('Z');
        out.writeBoolean((Boolean) v);
      } else if (t == String.class) {
        out.writeByte('S');
        out.writeUTF((String) v);
      } else if (t.isEnum()) {
        out.writeByte('E');
        out.writeUTF(((Enum<?>) v).name());
      } else {
        throw new IllegalStateException("configuration field " + c.getName() + " has unsupported type " + t);
      }
    }
  }

  /** Reads a configuration of {@code type}; fields missing, unknown or of another type are refused. */
  static <R extends Record> R read(DataInputStream in, Class<R> type) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 256) {
      throw new IOException("corrupt sampler state: configuration of " + n + " fields");
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      String name = in.readUTF();
      int tag = in.readByte();
      Object v = switch (tag) {
        case 'I' -> in.readInt();
        case 'J' -> in.readLong();
        case 'D' -> in.readDouble();
        case 'Z' -> in.readBoolean();
        case 'S', 'E' -> in.readUTF();
        default -> throw new IOException("corrupt sampler state: configuration field " + name + " has type tag " + tag);
      };
      fields.put(name, v);
    }
    RecordComponent[] cs = type.getRecordComponents();
    Object[] args = new Object[cs.length];
    Class<?>[] types = new Class<?>[cs.length];
    for (int i = 0; i < cs.length; i++) {
      RecordComponent c = cs[i];
      types[i] = c.getType();
      if (!fields.containsKey(c.getName())) {
        throw new IOException("sampler state has no configuration field '" + c.getName() + "' (fields: " + fields.keySet() + ")");
      }
      Object v = fields.remove(c.getName());
      args[i] = convert(c, v);
    }
    if (!fields.isEmpty()) {
      throw new IOException("sampler state has configuration fields this library does not know: " + fields.keySet());
    }
    try {
      Constructor<R> ctor = type.getDeclaredConstructor(types);
      return ctor.newInstance(args);
    } catch (InvocationTargetException e) {
      throw new IOException("corrupt sampler state: configuration refused: " + e.getCause().getMessage(), e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot construct " + type.getName(), e);
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Object convert(RecordComponent c, Object v) throws IOException {
    Class<?> t = c.getType();
    boolean ok = (t == int.class && v instanceof Integer) || (t == long.class && v instanceof Long)
        || (t == double.class && v instanceof Double) || (t == boolean.class && v instanceof Boolean)
        || ((t == String.class || t.isEnum()) && v instanceof String);
    if (!ok) {
      throw new IOException("sampler state's configuration field '" + c.getName() + "' = " + v + " is not a " + t.getSimpleName());
    }
    if (t.isEnum()) {
      try {
        return Enum.valueOf((Class<? extends Enum>) t, (String) v);
      } catch (IllegalArgumentException e) {
        throw new IOException("sampler state's configuration field '" + c.getName() + "' = " + v + " is not a "
            + t.getSimpleName(), e);
      }
    }
    return v;
  }

  /** Each field in which the two configurations differ, as "name: state A, this sampler B". */
  static List<String> differences(Record stored, Record current) {
    if (stored.getClass() != current.getClass()) {
      throw new IllegalArgumentException(stored.getClass() + " vs " + current.getClass());
    }
    List<String> out = new ArrayList<>();
    for (RecordComponent c : current.getClass().getRecordComponents()) {
      Object a = value(c, stored);
      Object b = value(c, current);
      if (!Objects.equals(a, b)) {
        out.add(c.getName() + ": state " + a + ", this sampler " + b);
      }
    }
    return out;
  }

  /**
   * Throws naming every differing field unless {@code stored} equals {@code current}; the
   * comparison is the records' {@code equals}.
   */
  static void requireSame(Record stored, Record current) throws IOException {
    if (!stored.equals(current)) {
      throw new IOException("sampler state was saved with other settings; differing fields: "
          + String.join("; ", differences(stored, current)));
    }
  }

  private static Object value(RecordComponent c, Record r) {
    try {
      return c.getAccessor().invoke(r);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read " + c.getName(), e);
    }
  }
}
