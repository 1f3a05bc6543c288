/**
 * The curated dataset row: the one schema the teacher/judge pipeline hands to the student.
 * `{id, title, abstract, target_explanation, judge_feedback, accepted}`, one JSON object per line.
 */
export interface CuratedRow {
  id: string;
  title: string;
  abstract: string;
  target_explanation: string;
  /** The judge's verdict (scores, tags, rationale), or null for rows accepted without one (a human decision). */
  judge_feedback: unknown;
  accepted: boolean;
}
