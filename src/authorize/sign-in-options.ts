import { Injectable, Logger } from '@nestjs/common';

/** A way to sign in besides the local form, offered on the sign-in page ("Sign in with …"). */
export interface SignInOption {
  /** Posts to /federation/{id}/start; also the page's data-identity-provider value. */
  id: string;
  label: string;
}

export type SignInOptionSource = () => Promise<SignInOption[]>;

/** Other modules (identity providers) contribute sign-in options without the sign-in page depending on them. */
@Injectable()
export class SignInOptions {
  private readonly logger = new Logger(SignInOptions.name);
  private readonly sources: SignInOptionSource[] = [];

  register(source: SignInOptionSource): void {
    this.sources.push(source);
  }

  async list(): Promise<SignInOption[]> {
    const lists = await Promise.all(
      this.sources.map((source) =>
        source().catch((error: Error) => {
          this.logger.warn(`Sign-in options unavailable: ${error.message}`);
          return [];
        }),
      ),
    );
    return lists.flat();
  }
}
