package ai.goldilocks.djl;

import ai.djl.ndarray.NDArray;
import ai.goldilocks.core.predictor.TeacherTarget;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The binary state of a {@link TransformerTeacher}: version, head target, random stream, optimizer
 * step, then each parameter with its two AdamW moments as lengths and floats. Version 1 (the
 * utility head only) is read too. Reading checks everything before anything is applied.
 *
 * @param rngState the teacher's random stream
 * @param step the optimizer's step
 * @param values per parameter: its weights, first moments and second moments
 */
record TeacherState(long rngState, long step, float[][][] values) {
  static final int VERSION = 2;

  /**
   * Writes a teacher's state: {@code params} are its published weights. Streams one array at a
   * time (a large teacher's state need not fit the Java heap).
   */
  static void write(DataOutput out, TeacherTarget target, long rngState, AdamW optimizer, List<NDArray> params)
      throws IOException {
    writeHeader(out, target, rngState, optimizer.step, params.size());
    for (int i = 0; i < params.size(); i++) {
      for (NDArray a : new NDArray[] {params.get(i), optimizer.firstMoments().get(i), optimizer.secondMoments().get(i)}) {
        writeFloats(out, a.toFloatArray());
      }
    }
  }

  /**
   * A teacher's state copied out of the engine now, into the Java heap (three arrays per
   * parameter): {@code params} are its published weights. The copy stays valid whatever the
   * teacher does next ({@link TransformerTeacher#stateSnapshot}).
   */
  static TeacherState capture(long rngState, AdamW optimizer, List<NDArray> params) {
    float[][][] values = new float[params.size()][][];
    for (int i = 0; i < params.size(); i++) {
      values[i] = new float[][] {params.get(i).toFloatArray(), optimizer.firstMoments().get(i).toFloatArray(),
          optimizer.secondMoments().get(i).toFloatArray()};
    }
    return new TeacherState(rngState, optimizer.step, values);
  }

  /** Writes this state for a teacher with head {@code target}, as {@link #write(DataOutput, TeacherTarget, long, AdamW, List)}. */
  void write(DataOutput out, TeacherTarget target) throws IOException {
    writeHeader(out, target, rngState, step, values.length);
    for (float[][] parameter : values) {
      for (float[] v : parameter) {
        writeFloats(out, v);
      }
    }
  }

  private static void writeHeader(DataOutput out, TeacherTarget target, long rngState, long step, int parameters)
      throws IOException {
    out.writeInt(VERSION);
    out.writeUTF(target.name());
    out.writeLong(rngState);
    out.writeLong(step);
    out.writeInt(parameters);
  }

  /** The length, then each value as {@link DataOutput#writeFloat} writes it, in one write. */
  private static void writeFloats(DataOutput out, float[] v) throws IOException {
    out.writeInt(v.length);
    ByteBuffer buf = ByteBuffer.allocate(4 * v.length);
    for (float f : v) {
      buf.putInt(Float.floatToIntBits(f));
    }
    out.write(buf.array());
  }

  /**
   * Reads a state for a teacher with head {@code target} and parameters shaped as {@code shapes}.
   *
   * @throws IOException naming the problem: another version or target, another parameter count or
   *     size, a value that is not finite
   */
  static TeacherState read(DataInput in, TeacherTarget target, List<NDArray> shapes) throws IOException {
    int version = in.readInt();
    if (version != VERSION && version != 1) {
      throw new IOException("unsupported djl-transformer teacher state version " + version);
    }
    String t = version == 1 ? TeacherTarget.UTILITY.name() : in.readUTF(); // version 1 had the utility head only
    if (!t.equals(target.name())) {
      throw new IOException("teacher state was trained for target " + t + ", this teacher has " + target);
    }
    long rngState = in.readLong();
    long step = in.readLong();
    int n = in.readInt();
    if (n != shapes.size()) {
      throw new IOException("teacher state has " + n + " parameters, this teacher has " + shapes.size());
    }
    float[][][] values = new float[n][3][];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < 3; k++) {
        int len = in.readInt();
        if (len != shapes.get(i).size()) {
          throw new IOException("teacher state parameter " + i + " has " + len + " values, expected " + shapes.get(i).size());
        }
        float[] v = new float[len];
        for (int j = 0; j < len; j++) {
          v[j] = in.readFloat();
          if (!Float.isFinite(v[j])) {
            throw new IOException("corrupt teacher state: parameter " + i + " value " + j + " is " + v[j]);
          }
        }
        values[i][k] = v;
      }
    }
    return new TeacherState(rngState, step, values);
  }

  /** Sets the weights and the optimizer's moments and step; the caller sets the random stream. */
  void applyTo(List<NDArray> params, AdamW optimizer) {
    for (int i = 0; i < values.length; i++) {
      params.get(i).set(values[i][0]);
      optimizer.firstMoments().get(i).set(values[i][1]);
      optimizer.secondMoments().get(i).set(values[i][2]);
    }
    optimizer.step = step;
  }
}
