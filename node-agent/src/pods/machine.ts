// The shape of Ledge's state machines (one for each pod, one for each of its
// containers), after krustlet's: every state is a name plus the data it
// needs, each lives in a file of its own, and a table declares where each may
// go. A state's step returns its successor; the types below make returning a
// state the table does not list a compile error.

/** A state: its name with its data. `Data` maps each state's name to its data. */
export type State<Data, N extends keyof Data = keyof Data> = N extends keyof Data ? { readonly name: N } & Data[N] : never;

/** For each state, the states it may go to. */
export type TransitionTable<Data> = { readonly [N in keyof Data]: readonly (keyof Data)[] };

/** The states `From` may go to under `Table`. */
export type NextState<Data, Table extends TransitionTable<Data>, From extends keyof Data> = State<Data, Table[From][number]>;

/** A state with no way out. */
export type FinalState<Table> = { [N in keyof Table]: Table[N] extends readonly [] ? N : never }[keyof Table];

/** A step's context, its own state, and what it returns. */
export type Step<Context, Data, Table extends TransitionTable<Data>, N extends keyof Data> = (
  context: Context,
  state: State<Data, N>,
) => Promise<NextState<Data, Table, N>>;

/** One step per state that has a way out. */
export type Steps<Context, Data, Table extends TransitionTable<Data>> = {
  readonly [N in Exclude<keyof Data, FinalState<Table>>]: Step<Context, Data, Table, N>;
};

/** Runs the step of the current state. The one place the correlation between a state and its step is taken on trust. */
export function stepOf<Context, Data, Table extends TransitionTable<Data>>(
  steps: Steps<Context, Data, Table>,
  state: State<Data>,
): (context: Context, state: State<Data>) => Promise<State<Data>> {
  return (steps as unknown as Record<PropertyKey, (c: Context, s: State<Data>) => Promise<State<Data>>>)[state.name as PropertyKey]!;
}

/** Checks at run time what the types check at compile time, for states read back from disk. */
export function allowed<Data>(table: TransitionTable<Data>, from: keyof Data, to: keyof Data): boolean {
  return table[from].includes(to);
}
