/** Docs presenters: stored records -> the public shapes of shared/docs.ts. */
import type { Doc, DocVersion, TemplateId } from '../../shared/docs';
import { presentPublicUser } from '../presenters';
import type { UserRecord } from '../repos';
import type { DocRecord, VersionRecord } from './records';

export const presentDoc = (d: DocRecord): Doc => ({
  id: d._id,
  spaceId: d.spaceId,
  title: d.title,
  template: d.template as TemplateId,
  createdAt: d.createdAt.toISOString(),
  updatedAt: d.updatedAt.toISOString(),
  archived: d.archived,
});

export const presentVersion = (v: VersionRecord, users: Map<string, UserRecord>): DocVersion => ({
  id: v._id,
  docId: v.docId,
  name: v.name,
  kind: v.kind,
  createdAt: v.createdAt.toISOString(),
  createdBy: v.createdBy ? presentPublicUser(users.get(v.createdBy), v.createdBy) : null,
});
