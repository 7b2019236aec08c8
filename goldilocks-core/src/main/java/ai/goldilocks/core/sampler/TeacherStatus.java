package ai.goldilocks.core.sampler;

/**
 * The teacher's part of the metrics (see {@link ai.goldilocks.core.SamplerMetrics} for each field).
 */
record TeacherStatus(double maeUnseen, long updates, long failures, long lagSamples, long merged, long waits) {
  /** What a sampler without a teacher reports. */
  static final TeacherStatus NONE = new TeacherStatus(Double.NaN, 0, 0, 0, 0, 0);
}
