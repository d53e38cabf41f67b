// Duban's search attributes, defined once: the task workflow upserts light,
// status and lead units as they change; `duban start` sets all of them; the
// embedded dev server and the test servers register them by these names and
// types; production registers them once (README).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const searchAttributes = {
  taskSet: defineSearchAttributeKey('DubanTaskSet', SearchAttributeType.KEYWORD),
  year: defineSearchAttributeKey('DubanYear', SearchAttributeType.INT),
  leadUnits: defineSearchAttributeKey('DubanLeadUnit', SearchAttributeType.KEYWORD_LIST),
  light: defineSearchAttributeKey('DubanLight', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('DubanStatus', SearchAttributeType.KEYWORD),
  category: defineSearchAttributeKey('DubanCategory', SearchAttributeType.KEYWORD),
};

/** The type names the `temporal` CLI takes (`--search-attribute Name=Type`). */
const CLI_TYPE_NAMES: Record<string, string> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

/** `Name=Type` for each attribute, as `temporal server start-dev --search-attribute` wants them. */
export function searchAttributeCliArgs(): string[] {
  return Object.values(searchAttributes).map((k) => `${k.name}=${CLI_TYPE_NAMES[k.type]}`);
}
