<?cs # The audit log of a domain, newest first, with filters. ?>
<?cs include:"macros.cs" ?>
<?cs set:Page.Title = Lang.domainadmin.audit.title ?>
<?cs set:Page.Nav = "audit" ?>
<?cs include:"header.cs" ?>
<section class="home" id="audit-page">
<?cs call:domain_bar() ?>
  <h1><?cs var:Lang.domainadmin.audit.title ?> <span class="count" id="total"><?cs var:List.Total ?></span></h1>
<?cs call:form_error("audit") ?>
  <details class="advanced" open>
    <summary><?cs var:Lang.domainadmin.audit.filter ?></summary>
    <form method="get" action="<?cs var:Page.Base ?>/audit" id="audit-filter">
      <input type="hidden" name="d" value="<?cs var:Domain.Name ?>">
      <label><?cs var:Lang.domainadmin.audit.actor ?> <input name="actor" maxlength="200" value="<?cs var:Filter.Actor ?>"></label>
      <label><?cs var:Lang.domainadmin.audit.action ?>
        <select name="action">
          <option value=""><?cs var:Lang.domainadmin.audit.any ?></option>
<?cs each:a = Actions ?>          <option value="<?cs var:a ?>"<?cs if:Filter.Action == a ?> selected<?cs /if ?>><?cs var:a ?></option>
<?cs /each ?>
        </select></label>
      <label><?cs var:Lang.domainadmin.audit.from ?> <input type="date" name="from" value="<?cs var:Filter.From ?>"></label>
      <label><?cs var:Lang.domainadmin.audit.to ?> <input type="date" name="to" value="<?cs var:Filter.To ?>"></label>
      <button type="submit"><?cs var:Lang.domainadmin.audit.apply ?></button>
    </form>
  </details>
  <div class="message">
  <dl class="headers" id="audit-list">
<?cs each:e = Audit ?>
    <dt><?cs var:e.At ?></dt>
    <dd data-action="<?cs var:e.Action ?>"><strong><?cs var:e.Action ?></strong><?cs if:e.Object ?> <?cs var:e.Object ?><?cs /if ?>
      · <?cs var:Lang.domainadmin.audit.by ?> <?cs var:e.Actor ?><?cs if:e.Ip ?> (<?cs var:e.Ip ?>)<?cs /if ?><?cs if:e.Detail ?>
      <br><code><?cs var:e.Detail ?></code><?cs /if ?></dd>
<?cs /each ?>
  </dl>
  </div>
<?cs if:List.Total == 0 ?>
  <p class="empty" id="empty"><?cs var:Lang.domainadmin.audit.none ?></p>
<?cs /if ?>
<?cs if:List.Pages > 1 ?>
  <nav class="pager" id="pager" aria-label="<?cs var:Lang.mail.pages ?>">
<?cs if:List.Prev ?>    <a href="<?cs var:Page.Base ?>/audit?d=<?cs var:Domain.Enc ?><?cs var:Filter.Query ?>&amp;page=<?cs var:List.Prev ?>"><?cs var:Lang.mail.prev ?></a><?cs /if ?>
    <span><?cs var:List.Page ?> / <?cs var:List.Pages ?></span>
<?cs if:List.Next ?>    <a href="<?cs var:Page.Base ?>/audit?d=<?cs var:Domain.Enc ?><?cs var:Filter.Query ?>&amp;page=<?cs var:List.Next ?>"><?cs var:Lang.mail.next ?></a><?cs /if ?>
  </nav>
<?cs /if ?>
</section>
<?cs include:"footer.cs" ?>
