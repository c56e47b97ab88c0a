export const handler = async (event: unknown) => {
  return { ok: true ;
};
