/** The Administration page's shapes (GET /api/admin/overview). */
export interface AdminSpace {
  id: string;
  name: string;
  kind: string;
  visibility: string;
  createdAt: string;
  members: number;
  /** Audit entries in the space over the last 30 days. */
  activity: number;
}

export interface AdminAccount {
  id: string;
  email: string;
  name: string;
  createdAt: string;
  disabled: boolean;
  admin: boolean;
  spaces: number;
  lastLoginAt: string | null;
  /** Audit entries by the account over the last 30 days. */
  activity: number;
}
