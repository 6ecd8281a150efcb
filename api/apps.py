from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API for partner systems"

    def ready(self) -> None:
        from oxtom.core.hygiene import register_bad_request_responder

        # A NUL byte refused at the request edge still answers as problem details.
        register_bad_request_responder("/api/", _bad_request)
        # Demo partner systems with published keys (after the councillors' enquiry, before the engine's cases).
        from oxtom.core.demo import register_demo_listing, register_demo_step

        from . import demo

        register_demo_step("API partner systems", order=42, run=demo.api_clients_step)
        register_demo_listing("api", demo.demo_listing)


def _bad_request(request, message: str, *, field: str = ""):
    from django.http import JsonResponse

    from .framework import PROBLEM_BASE

    body = {"type": PROBLEM_BASE + "invalid", "title": "Bad request", "status": 400, "detail": message,
            "instance": request.path}
    if field:
        body["errors"] = {field: ["Must not contain control characters."]}
    return JsonResponse(body, status=400, content_type="application/problem+json")
