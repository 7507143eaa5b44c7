/**
 * Meeting protocols as data: the agendas a facilitator can start a live session from. Each step says how
 * long it lasts, what the group is asked, and who speaks. Adapted from widely used PLC and NSRF protocols.
 */

/** Who speaks during a step. */
export const SPEAKING_MODES = ['open', 'presenter-silent', 'go-round', 'presenter-only'] as const;
export type SpeakingMode = (typeof SPEAKING_MODES)[number];

export const SPEAKING_LABELS: Record<SpeakingMode, string> = {
  open: 'Open discussion',
  'presenter-silent': 'Presenter listens silently',
  'go-round': 'Go-round: each person in turn',
  'presenter-only': 'Presenter speaks',
};

export interface ProtocolStep {
  title: string;
  minutes: number;
  prompt: string;
  speaking: SpeakingMode;
}

export interface ProtocolTemplate {
  id: string;
  name: string;
  description: string;
  steps: ProtocolStep[];
}

export const PROTOCOLS: readonly ProtocolTemplate[] = [
  {
    id: 'plc-data-meeting',
    name: 'PLC data meeting (the four PLC questions)',
    description:
      'A team looks at common assessment results through the four PLC questions and leaves with a plan for reteaching and extension.',
    steps: [
      {
        title: 'Norms and purpose',
        minutes: 3,
        prompt: 'Read the norms aloud. Which assessment are we looking at today, and what do we want to leave with?',
        speaking: 'open',
      },
      {
        title: '1. What do we want students to learn?',
        minutes: 7,
        prompt: 'Restate the essential standard and the learning targets the assessment measured. What does proficient look like?',
        speaking: 'open',
      },
      {
        title: '2. How will we know when they have learned it?',
        minutes: 15,
        prompt:
          'Each teacher shares their class results: percent proficient per target, patterns, surprises. Stick to the evidence; no explanations yet.',
        speaking: 'go-round',
      },
      {
        title: '3. How will we respond when some students do not learn?',
        minutes: 15,
        prompt:
          'Name the students who need more time and support, by target. Which instructional strategies worked best in whose class? Plan the reteach and who leads each group.',
        speaking: 'open',
      },
      {
        title: '4. How will we extend learning for students who are proficient?',
        minutes: 10,
        prompt: 'Which students are ready to go deeper, and what extension task will they work on during intervention time?',
        speaking: 'open',
      },
      {
        title: 'Action items and next steps',
        minutes: 5,
        prompt: 'Record each commitment with an owner and a due date. When will we look at the reassessment data?',
        speaking: 'open',
      },
      {
        title: 'Plus / delta',
        minutes: 3,
        prompt: 'One thing that helped our work today and one thing to change next time.',
        speaking: 'go-round',
      },
    ],
  },
  {
    id: 'tuning',
    name: 'Tuning protocol',
    description:
      'A presenter shares a piece of work (a unit, a task, an assessment) with a focusing question and receives warm and cool feedback to fine-tune it.',
    steps: [
      {
        title: 'Introduction',
        minutes: 5,
        prompt: 'The facilitator reviews the goals, the norms and the steps of the protocol.',
        speaking: 'open',
      },
      {
        title: 'Presentation',
        minutes: 10,
        prompt:
          'The presenter describes the context, the goals for students, the work itself, and poses one focusing question for feedback. Participants listen.',
        speaking: 'presenter-only',
      },
      {
        title: 'Clarifying questions',
        minutes: 5,
        prompt: 'Brief, factual questions with brief answers ("How long did students have?"). Save judgements for later.',
        speaking: 'open',
      },
      {
        title: 'Examine the work',
        minutes: 10,
        prompt: 'Participants look closely at the work samples in silence, keeping the focusing question in mind, and take notes.',
        speaking: 'presenter-silent',
      },
      {
        title: 'Warm and cool feedback',
        minutes: 15,
        prompt:
          'Participants share warm feedback (strengths, what is working) and cool feedback (gaps, questions, "I wonder..."), tied to the focusing question. The presenter listens and takes notes.',
        speaking: 'presenter-silent',
      },
      {
        title: 'Presenter reflection',
        minutes: 5,
        prompt: 'The presenter responds to the comments that resonated and names next steps. Participants listen.',
        speaking: 'presenter-only',
      },
      {
        title: 'Debrief',
        minutes: 5,
        prompt: 'How did the protocol work for us? Did the feedback stay warm, cool and useful?',
        speaking: 'open',
      },
    ],
  },
  {
    id: 'consultancy',
    name: 'Consultancy',
    description:
      'A presenter brings a dilemma from their practice; colleagues help them think about it more expansively rather than solve it for them.',
    steps: [
      {
        title: 'Present the dilemma',
        minutes: 8,
        prompt:
          'The presenter gives an overview of the dilemma, what they have tried, and a focus question for the group. Participants listen.',
        speaking: 'presenter-only',
      },
      {
        title: 'Clarifying questions',
        minutes: 5,
        prompt: 'Simple, factual questions the presenter can answer quickly ("Who else is involved?").',
        speaking: 'open',
      },
      {
        title: 'Probing questions',
        minutes: 10,
        prompt:
          'Open questions that help the presenter think more deeply ("What would have to change for...?", "What do you think would happen if...?"). The presenter may answer or just take them in.',
        speaking: 'open',
      },
      {
        title: 'Discuss the dilemma',
        minutes: 15,
        prompt:
          'The group talks about the dilemma among themselves, as if the presenter were not in the room: what did we hear, what assumptions are at play, what might the presenter consider? The presenter stays silent and takes notes.',
        speaking: 'presenter-silent',
      },
      {
        title: 'Presenter response',
        minutes: 5,
        prompt: 'The presenter shares what struck them and what they might do next. The group listens.',
        speaking: 'presenter-only',
      },
      {
        title: 'Debrief',
        minutes: 5,
        prompt: 'How did we do at helping rather than fixing? What would make the next consultancy better?',
        speaking: 'open',
      },
    ],
  },
  {
    id: 'lesson-study-debrief',
    name: 'Lesson-study debrief',
    description:
      'After a research lesson, the team discusses what observers saw students do, against the research theme, and decides how to revise the lesson.',
    steps: [
      {
        title: 'Teacher reflection',
        minutes: 5,
        prompt: 'The teacher who taught the research lesson shares what went as planned, what surprised them, and one question for the observers.',
        speaking: 'presenter-only',
      },
      {
        title: 'Evidence of student learning',
        minutes: 15,
        prompt:
          'Each observer shares specific evidence: what students said, wrote and did, with times and quotes. Describe before you interpret; talk about the lesson, not the teacher.',
        speaking: 'go-round',
      },
      {
        title: 'Evidence against the research theme',
        minutes: 15,
        prompt: 'Where did the evidence show progress toward our research theme and lesson goals? Where did students get stuck, and why?',
        speaking: 'open',
      },
      {
        title: 'Knowledgeable other',
        minutes: 8,
        prompt: 'The outside commentator connects what we saw to the content and to research, and raises questions for the team.',
        speaking: 'presenter-only',
      },
      {
        title: 'Revise the lesson',
        minutes: 10,
        prompt: 'Agree on changes to the lesson plan (task, questions, sequencing, anticipated responses) and who re-teaches it when.',
        speaking: 'open',
      },
      {
        title: 'Closing reflection',
        minutes: 5,
        prompt: 'One thing you will take back to your own classroom.',
        speaking: 'go-round',
      },
    ],
  },
  {
    id: 'looking-at-student-work',
    name: 'Looking at student work',
    description:
      'A teacher brings a few pieces of student work without explanation; the group describes, interprets and draws implications for teaching (ATLAS-style).',
    steps: [
      {
        title: 'Getting started',
        minutes: 3,
        prompt: 'The presenting teacher hands out copies of the work with names removed, and only the assignment itself. Everyone reads the work silently.',
        speaking: 'presenter-silent',
      },
      {
        title: 'Describe the work',
        minutes: 10,
        prompt: 'What do you see? Only observable facts, no judgements of quality ("The student drew a number line", not "good reasoning").',
        speaking: 'presenter-silent',
      },
      {
        title: 'Interpret the work',
        minutes: 10,
        prompt: 'From the evidence, what do you think the student is thinking, understanding, or working on? What is the student confused about?',
        speaking: 'presenter-silent',
      },
      {
        title: 'Implications for practice',
        minutes: 10,
        prompt: 'What are the implications for teaching and assessment, for this teacher and for all of us? What would you try next?',
        speaking: 'presenter-silent',
      },
      {
        title: 'Presenting teacher reflects',
        minutes: 5,
        prompt: 'The presenting teacher responds: what did you learn from listening, what will you do next? The group listens.',
        speaking: 'presenter-only',
      },
      {
        title: 'Debrief',
        minutes: 5,
        prompt: 'How did describing before interpreting work for us? What would we change next time?',
        speaking: 'open',
      },
    ],
  },
];

export const PROTOCOL_IDS = PROTOCOLS.map((p) => p.id);

/** The template with that id, or undefined. */
export function protocolById(id: string): ProtocolTemplate | undefined {
  return PROTOCOLS.find((p) => p.id === id);
}

/** Total planned minutes of a list of steps. */
export function totalMinutes(steps: readonly { minutes: number }[]): number {
  return steps.reduce((sum, s) => sum + s.minutes, 0);
}
