// The component the story renders (a stand-in for the app's own).
export function VerifyScreen(props: { apiKey: string }): unknown {
  return props;
}
