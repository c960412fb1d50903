import type { ParameterStore, SourceDocument } from './types.ts';

/** `ssm:/name`: one parameter holds the whole document; the version is the parameter's. */
export async function readSsmSource(uri: string, name: string, store: ParameterStore): Promise<SourceDocument> {
  const p = await store.getParameter(name);
  return { uri, version: `${p.name}@${p.version}`, text: p.value };
}
